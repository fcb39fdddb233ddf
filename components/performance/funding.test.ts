import { describe, expect, it } from "vitest";
import { showFundingColumn } from "./funding";

describe("performance tables: funding beside fees", () => {
  it("a spot account's metrics (no fundingPaid) keep their columns", () => {
    expect(showFundingColumn([{}, {}])).toBe(false);
    expect(showFundingColumn([])).toBe(false);
  });
  it("a futures account that paid or received funding on any row shows the column", () => {
    expect(showFundingColumn([{}, { fundingPaid: 1.25 }])).toBe(true);
    expect(showFundingColumn([{ fundingPaid: -0.4 }])).toBe(true);
    expect(showFundingColumn([{ fundingPaid: 0 }])).toBe(true);
  });
});
