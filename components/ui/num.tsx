import type { HTMLAttributes, Ref } from "react";
import { COLORS } from "../shell/colors";
import { formatPct, formatSignedMoney, pnlSign } from "../lib/format";

/** A number in tabular figures. Passes other props (and the ref) through, so it can be a Tooltip's child. */
export function Num({ testId, className, ref, ...rest }: HTMLAttributes<HTMLSpanElement> & { testId?: string; ref?: Ref<HTMLSpanElement> }) {
  return <span ref={ref} className={className ? `num ${className}` : "num"} data-testid={testId} {...rest} />;
}

export function pnlColor(value: unknown): string | undefined {
  const sign = pnlSign(value);
  return sign > 0 ? COLORS.profit : sign < 0 ? COLORS.loss : undefined;
}

/** Profit green, loss red, flat or absent uncoloured. */
export function Pnl({
  value,
  kind = "money",
  testId,
  suffix,
  ...rest
}: { value: unknown; kind?: "money" | "pct"; testId?: string; suffix?: string } & Omit<HTMLAttributes<HTMLSpanElement>, "children"> & { ref?: Ref<HTMLSpanElement> }) {
  const text = kind === "pct" ? formatPct(value) : formatSignedMoney(value);
  return (
    <Num {...rest} style={{ color: pnlColor(value), ...rest.style }} testId={testId}>
      {text}
      {suffix && text !== "—" ? ` ${suffix}` : ""}
    </Num>
  );
}
