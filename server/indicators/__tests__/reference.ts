/**
 * Straightforward whole-array reference implementations, written from the definitions (and TA-Lib's
 * documented seeding) with no incremental tricks: every windowed value is recomputed from its window.
 * NaN marks "no value yet".
 */
import type { TestBar } from "./series";

const nan = (n: number) => new Array<number>(n).fill(Number.NaN);

export function refSma(x: number[], period: number): number[] {
  const out = nan(x.length);
  for (let i = period - 1; i < x.length; i++) {
    let sum = 0;
    for (let j = i - period + 1; j <= i; j++) sum += x[j];
    out[i] = sum / period;
  }
  return out;
}

/** EMA seeded with the SMA of the first `period` values (TA-Lib default). */
export function refEma(x: number[], period: number): number[] {
  const out = nan(x.length);
  const k = 2 / (period + 1);
  const firstDefined = x.findIndex((v) => !Number.isNaN(v));
  if (firstDefined < 0 || x.length - firstDefined < period) return out;
  const seedEnd = firstDefined + period - 1;
  let sum = 0;
  for (let j = firstDefined; j <= seedEnd; j++) sum += x[j];
  out[seedEnd] = sum / period;
  for (let i = seedEnd + 1; i < x.length; i++) out[i] = x[i] * k + out[i - 1] * (1 - k);
  return out;
}

export function refWma(x: number[], period: number): number[] {
  const out = nan(x.length);
  const divider = (period * (period + 1)) / 2;
  for (let i = period - 1; i < x.length; i++) {
    let sum = 0;
    for (let w = 1; w <= period; w++) sum += w * x[i - period + w];
    out[i] = sum / divider;
  }
  return out;
}

/** Wilder RSI: first averages are simple means of the first `period` changes. */
export function refRsi(x: number[], period: number): number[] {
  const out = nan(x.length);
  if (x.length <= period) return out;
  let gain = 0;
  let loss = 0;
  for (let i = 1; i <= period; i++) {
    const change = x[i] - x[i - 1];
    gain += Math.max(change, 0);
    loss += Math.max(-change, 0);
  }
  gain /= period;
  loss /= period;
  const rsi = () => (gain + loss === 0 ? 0 : 100 - 100 / (1 + gain / loss));
  out[period] = loss === 0 && gain > 0 ? 100 : rsi();
  for (let i = period + 1; i < x.length; i++) {
    const change = x[i] - x[i - 1];
    gain = (gain * (period - 1) + Math.max(change, 0)) / period;
    loss = (loss * (period - 1) + Math.max(-change, 0)) / period;
    out[i] = loss === 0 && gain > 0 ? 100 : rsi();
  }
  return out;
}

/** TA-Lib MACD: both EMAs start at index slow-1; the fast one seeded with the mean of x[slow-fast .. slow-1]. */
export function refMacd(x: number[], fast: number, slow: number, signal: number) {
  const start = slow - 1;
  const fastK = 2 / (fast + 1);
  const slowK = 2 / (slow + 1);
  const line = nan(x.length);
  let f = 0;
  let s = 0;
  for (let j = 0; j <= start; j++) s += x[j];
  for (let j = start - fast + 1; j <= start; j++) f += x[j];
  s /= slow;
  f /= fast;
  line[start] = f - s;
  for (let i = start + 1; i < x.length; i++) {
    f = x[i] * fastK + f * (1 - fastK);
    s = x[i] * slowK + s * (1 - slowK);
    line[i] = f - s;
  }
  const sig = refEma(line, signal);
  const macd = line.map((v, i) => (Number.isNaN(sig[i]) ? Number.NaN : v));
  const hist = macd.map((v, i) => v - sig[i]);
  return { macd, signal: sig, histogram: hist };
}

export function refBollinger(x: number[], period: number, k: number) {
  const upper = nan(x.length);
  const middle = nan(x.length);
  const lower = nan(x.length);
  const percentB = nan(x.length);
  const bandwidth = nan(x.length);
  for (let i = period - 1; i < x.length; i++) {
    const window = x.slice(i - period + 1, i + 1);
    const mean = window.reduce((a, b) => a + b, 0) / period;
    const variance = window.reduce((a, b) => a + (b - mean) * (b - mean), 0) / period;
    const sd = Math.sqrt(variance);
    middle[i] = mean;
    upper[i] = mean + k * sd;
    lower[i] = mean - k * sd;
    percentB[i] = sd === 0 ? 0.5 : (x[i] - lower[i]) / (upper[i] - lower[i]);
    bandwidth[i] = sd === 0 ? 0 : (upper[i] - lower[i]) / Math.abs(mean);
  }
  return { upper, middle, lower, percentB, bandwidth };
}

export function refTrueRange(bars: TestBar[]): number[] {
  return bars.map((b, i) =>
    i === 0 ? Number.NaN : Math.max(b.high - b.low, Math.abs(b.high - bars[i - 1].close), Math.abs(b.low - bars[i - 1].close)),
  );
}

/** Wilder ATR: first value = mean of TR[1..period], then (prev·(n-1) + tr) / n. */
export function refAtr(bars: TestBar[], period: number): number[] {
  const tr = refTrueRange(bars);
  const out = nan(bars.length);
  if (bars.length <= period) return out;
  let sum = 0;
  for (let i = 1; i <= period; i++) sum += tr[i];
  out[period] = sum / period;
  for (let i = period + 1; i < bars.length; i++) out[i] = (out[i - 1] * (period - 1) + tr[i]) / period;
  return out;
}

/** Directional movement per Wilder: +DM when the up-move beats the down-move (and is positive), and vice versa. */
function directionalMoves(bars: TestBar[]) {
  const plus = nan(bars.length);
  const minus = nan(bars.length);
  for (let i = 1; i < bars.length; i++) {
    const up = bars[i].high - bars[i - 1].high;
    const down = bars[i - 1].low - bars[i].low;
    plus[i] = up > 0 && up > down ? up : 0;
    minus[i] = down > 0 && down > up ? down : 0;
  }
  return { plus, minus };
}

/**
 * ADX with TA-Lib's seeding: DM and TR summed over bars 1..n-1, then Wilder-smoothed from bar n on
 * (s - s/n + x); DI = 100·DM/TR; ADX = mean of DX over bars n..2n-1, then Wilder-smoothed.
 */
export function refAdx(bars: TestBar[], n: number) {
  const tr = refTrueRange(bars);
  const { plus, minus } = directionalMoves(bars);
  const plusDI = nan(bars.length);
  const minusDI = nan(bars.length);
  const dx = nan(bars.length);
  let sp = 0;
  let sm = 0;
  let st = 0;
  for (let i = 1; i < n; i++) {
    sp += plus[i];
    sm += minus[i];
    st += tr[i];
  }
  for (let i = n; i < bars.length; i++) {
    sp = sp - sp / n + plus[i];
    sm = sm - sm / n + minus[i];
    st = st - st / n + tr[i];
    plusDI[i] = st === 0 ? 0 : (100 * sp) / st;
    minusDI[i] = st === 0 ? 0 : (100 * sm) / st;
    const sum = plusDI[i] + minusDI[i];
    if (st !== 0 && sum !== 0) dx[i] = (100 * Math.abs(plusDI[i] - minusDI[i])) / sum;
  }
  const adx = nan(bars.length);
  if (bars.length >= 2 * n) {
    let sum = 0;
    for (let i = n; i <= 2 * n - 1; i++) if (!Number.isNaN(dx[i])) sum += dx[i];
    adx[2 * n - 1] = sum / n;
    for (let i = 2 * n; i < bars.length; i++) {
      adx[i] = Number.isNaN(dx[i]) ? adx[i - 1] : (adx[i - 1] * (n - 1) + dx[i]) / n;
    }
  }
  return { adx, plusDI, minusDI };
}

/** Slow stochastic with SMA smoothing; raw %K is 0 when the window has no range (TA-Lib). */
export function refStochastic(bars: TestBar[], kPeriod: number, kSmoothing: number, dPeriod: number) {
  const raw = nan(bars.length);
  for (let i = kPeriod - 1; i < bars.length; i++) {
    const window = bars.slice(i - kPeriod + 1, i + 1);
    const hh = Math.max(...window.map((b) => b.high));
    const ll = Math.min(...window.map((b) => b.low));
    raw[i] = hh === ll ? 0 : (100 * (bars[i].close - ll)) / (hh - ll);
  }
  const smaSkipping = (x: number[], period: number) => {
    const out = nan(x.length);
    for (let i = 0; i < x.length; i++) {
      const window = x.slice(Math.max(0, i - period + 1), i + 1);
      if (window.length === period && window.every((v) => !Number.isNaN(v))) out[i] = window.reduce((a, b) => a + b, 0) / period;
    }
    return out;
  };
  const k = smaSkipping(raw, kSmoothing);
  const d = smaSkipping(k, dPeriod);
  return { k: k.map((v, i) => (Number.isNaN(d[i]) ? Number.NaN : v)), d };
}

/** OBV seeded with the first bar's volume (TA-Lib). */
export function refObv(bars: TestBar[]): number[] {
  return bars.map((_, i) => {
    let obv = bars[0].volume;
    for (let j = 1; j <= i; j++) {
      if (bars[j].close > bars[j - 1].close) obv += bars[j].volume;
      else if (bars[j].close < bars[j - 1].close) obv -= bars[j].volume;
    }
    return obv;
  });
}

/** VWAP of the typical price over the bars of the same session (whole series when sessionMs is undefined). */
export function refVwap(bars: TestBar[], sessionMs?: number): number[] {
  const sessionOf = (t: number) => (sessionMs === undefined ? 0 : Math.floor(t / sessionMs));
  return bars.map((bar, i) => {
    let pv = 0;
    let v = 0;
    for (let j = i; j >= 0 && sessionOf(bars[j].openTime) === sessionOf(bar.openTime); j--) {
      pv += ((bars[j].high + bars[j].low + bars[j].close) / 3) * bars[j].volume;
      v += bars[j].volume;
    }
    return v === 0 ? Number.NaN : pv / v;
  });
}
