import { ColorType, CrosshairMode, TickMarkType, type ChartOptions, type DeepPartial, type Time, type UTCTimestamp } from "lightweight-charts";
import { COLORS } from "../shell/colors";
import { formatDateTime, priceDecimals } from "../lib/format";

/** Epoch ms → the chart's UTC seconds. */
export function toChartTime(ms: number): UTCTimestamp {
  return Math.floor(ms / 1000) as UTCTimestamp;
}

function timeToMs(time: Time): number | null {
  if (typeof time === "number") return time * 1000;
  if (typeof time === "string") {
    const parsed = Date.parse(time);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return Date.UTC(time.year, time.month - 1, time.day);
}

const two = (n: number) => (n < 10 ? `0${n}` : String(n));
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Axis labels in the browser's local time, like every other time on the dashboard. */
export function localTickMark(time: Time, type: TickMarkType): string {
  const ms = timeToMs(time);
  if (ms === null) return "";
  const d = new Date(ms);
  switch (type) {
    case TickMarkType.Year:
      return String(d.getFullYear());
    case TickMarkType.Month:
      return MONTHS[d.getMonth()]!;
    case TickMarkType.DayOfMonth:
      return `${d.getDate()} ${MONTHS[d.getMonth()]}`;
    case TickMarkType.Time:
      return `${two(d.getHours())}:${two(d.getMinutes())}`;
    case TickMarkType.TimeWithSeconds:
      return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
    default:
      return "";
  }
}

export function baseChartOptions(): DeepPartial<ChartOptions> {
  return {
    autoSize: true,
    layout: {
      background: { type: ColorType.Solid, color: COLORS.panel },
      textColor: "rgba(255,255,255,0.65)",
      fontSize: 11,
      fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
      panes: { separatorColor: "rgba(255,255,255,0.12)", separatorHoverColor: "rgba(255,255,255,0.2)" },
    },
    grid: {
      vertLines: { color: "rgba(255,255,255,0.04)" },
      horzLines: { color: "rgba(255,255,255,0.04)" },
    },
    crosshair: { mode: CrosshairMode.Normal },
    rightPriceScale: { borderColor: "rgba(255,255,255,0.12)" },
    timeScale: {
      borderColor: "rgba(255,255,255,0.12)",
      timeVisible: true,
      secondsVisible: false,
      tickMarkFormatter: localTickMark,
    },
    localization: {
      timeFormatter: (time: Time) => {
        const ms = timeToMs(time);
        return ms === null ? "" : formatDateTime(ms);
      },
    },
  };
}

/** Price format of a series from a reference price of its symbol. */
export function priceFormatFor(reference: number | undefined) {
  const precision = priceDecimals(reference);
  return { type: "price" as const, precision, minMove: 10 ** -precision };
}
