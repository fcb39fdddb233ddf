import { describe, expect, it } from "vitest";
import {
  DASH,
  formatAgo,
  formatDateTime,
  formatDuration,
  formatInt,
  formatLatency,
  formatMoney,
  formatPct,
  formatPrice,
  formatQty,
  formatRatio,
  formatSignedMoney,
  pnlSign,
  priceDecimals,
  quantityDecimals,
  toEpochMs,
} from "./format";

describe("absent values never reach the screen as NaN or undefined", () => {
  const bad = [undefined, null, Number.NaN, Number.POSITIVE_INFINITY, "12", {}];
  it.each(bad.map((v) => [v]))("%s renders as a dash everywhere", (value) => {
    for (const fmt of [formatMoney, formatSignedMoney, formatPct, formatPrice, formatQty, formatRatio, formatInt, formatDuration, formatLatency]) {
      expect(fmt(value as never)).toBe(DASH);
    }
    if (typeof value !== "string") expect(formatDateTime(value)).toBe(DASH);
  });
});

describe("prices keep about five significant figures for their magnitude", () => {
  it("BTC, ETH, SOL, XRP, DOGE and SHIB prices", () => {
    expect(formatPrice(27123.456)).toBe("27,123.46");
    expect(formatPrice(1650.1)).toBe("1,650.10");
    expect(formatPrice(21.3456)).toBe("21.346");
    expect(formatPrice(1.23456)).toBe("1.2346");
    expect(formatPrice(0.38123)).toBe("0.38123");
    expect(formatPrice(0.0741234)).toBe("0.074123");
    expect(formatPrice(0.0000101234)).toBe("0.00001012");
  });
  it("every price of a symbol uses the decimals of its reference price", () => {
    // A stop far below a BTC price keeps two decimals like the price itself.
    expect(formatPrice(95, 27000)).toBe("95.00");
    expect(priceDecimals(27000)).toBe(2);
    expect(priceDecimals(0)).toBe(2);
  });
});

describe("money and P&L", () => {
  it("uses thousands separators and two decimals", () => {
    expect(formatMoney(1234567.891)).toBe("1,234,567.89");
    expect(formatMoney(-4.1)).toBe("−4.10");
  });
  it("keeps small fees visible", () => {
    expect(formatMoney(0.0042)).toBe("0.0042");
  });
  it("signs profits and losses, and not a zero", () => {
    expect(formatSignedMoney(12.3)).toBe("+12.30");
    expect(formatSignedMoney(-4.1)).toBe("−4.10");
    expect(formatSignedMoney(0)).toBe("0.00");
    expect(formatSignedMoney(-0.001)).toBe("−0.0010");
  });
  it("percentages are signed points; a rounded zero has no sign", () => {
    expect(formatPct(1.234)).toBe("+1.23%");
    expect(formatPct(-0.5)).toBe("−0.50%");
    expect(formatPct(-0.001)).toBe("0.00%");
    expect(formatRatio(0.5312)).toBe("53.1%");
  });
  it("P&L sign drives the colour; absent is neutral", () => {
    expect(pnlSign(3)).toBe(1);
    expect(pnlSign(-3)).toBe(-1);
    expect(pnlSign(0)).toBe(0);
    expect(pnlSign(Number.NaN)).toBe(0);
  });
});

describe("quantities and times", () => {
  it("quantities drop trailing zeros up to 8 decimals", () => {
    expect(formatQty(0.0012)).toBe("0.0012");
    expect(formatQty(1500)).toBe("1,500");
    expect(formatQty(0.123456789)).toBe("0.12345679");
  });
  it("a column of quantities shares the decimals of its most precise entry", () => {
    expect(quantityDecimals([0.7809, 0.57335, 2.093])).toBe(5);
    expect(quantityDecimals([1, 20, Number.NaN])).toBe(0);
    expect(quantityDecimals([0.1 + 0.2])).toBe(1); // float noise beyond 8 decimals does not widen the column
    expect(quantityDecimals([0.00001234])).toBe(8);
  });
  it("durations read like a clock", () => {
    expect(formatDuration(450)).toBe("450ms");
    expect(formatDuration(65_000)).toBe("1m 5s");
    expect(formatDuration(3_725_000)).toBe("1h 2m");
    expect(formatDuration(90_000_000)).toBe("1d 1h");
    expect(formatDuration(-1)).toBe(DASH);
  });
  it("latency in ms or s", () => {
    expect(formatLatency(12.4)).toBe("12 ms");
    expect(formatLatency(1500)).toBe("1.5 s");
  });
  it("date-times from epoch ms or ISO, in a given zone", () => {
    const ms = Date.UTC(2023, 2, 1, 14, 5, 9);
    expect(formatDateTime(ms, "UTC")).toBe("2023-03-01 14:05:09");
    expect(formatDateTime("2023-03-01T14:05:09.000Z", "UTC")).toBe("2023-03-01 14:05:09");
    expect(toEpochMs("not a date")).toBeNull();
    expect(formatAgo(ms, ms + 65_000)).toBe("1m 5s ago");
  });
});
