import type { MetricsDto } from "../lib/types";

/**
 * The performance tables show a Funding column beside Fees only when the server reports funding on some
 * row (futures accounts with a booked payment: MetricsDto.fundingPaid); spot tables stay as they were.
 */
export function showFundingColumn(rows: readonly Pick<MetricsDto, "fundingPaid">[]): boolean {
  return rows.some((m) => typeof m.fundingPaid === "number" && Number.isFinite(m.fundingPaid));
}
