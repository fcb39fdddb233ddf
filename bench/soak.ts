import { loadavg } from "node:os";
import { E2E_API_TOKEN, removeDataDir, startServer, type RunningServer } from "../e2e/support/server";
import { lockedBuild } from "./dashboard";

/**
 * The memory soak of issue 20: the whole server as `npm start` runs it (Next, the feed, the engine with its
 * strategies, the built-in simulator, the embedded database) at SIM_SPEED=600, sampled every few seconds
 * through its own GET /metrics (process_resident_memory_bytes, nodejs_heap_size_used_bytes). Growth is the
 * slope of a least-squares line through the second half of the samples, in MB per simulated hour: the first
 * half holds the warm-up and the heap's first expansion. The goal is the RSS after an hour of real time;
 * the bench runs a few minutes (tens of simulated hours) and says so.
 */

export interface SoakSample {
  realS: number;
  rssMb: number;
  heapUsedMb: number;
}

export interface SoakFigures {
  simSpeed: number;
  realMinutes: number;
  simulatedHours: number;
  samples: SoakSample[];
  rssMbAtWarm: number;
  rssMbMax: number;
  rssMbEnd: number;
  heapUsedMbEnd: number;
  /** Least-squares slope over the second half of the samples. */
  rssGrowthMbPerSimHour: number;
  heapGrowthMbPerSimHour: number;
  goals: { rssMb: number; growthMbPerSimHour: number };
  loadAvg1m: number;
}

export type SoakResult = SoakFigures | { skipped: string; loadAvg1m: number };

const SIM_SPEED = 600;
const GOALS = { rssMb: 400, growthMbPerSimHour: 1 };
const loadAvg1m = () => Math.round(loadavg()[0] * 100) / 100;
const round1 = (v: number) => Math.round(v * 10) / 10;

function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

async function memoryOf(url: string): Promise<{ rssMb: number; heapUsedMb: number } | undefined> {
  const res = await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${E2E_API_TOKEN}` }, signal: AbortSignal.timeout(10_000) });
  if (!res.ok) return undefined;
  const text = await res.text();
  const value = (name: string) => Number(new RegExp(`^\\w*${name} (\\S+)$`, "m").exec(text)?.[1]);
  const rss = value("process_resident_memory_bytes");
  const heap = value("nodejs_heap_size_used_bytes");
  return Number.isFinite(rss) && Number.isFinite(heap) ? { rssMb: round1(rss / 1e6), heapUsedMb: round1(heap / 1e6) } : undefined;
}

export async function soakFigures(opts: { minutes: number; sampleEveryS?: number }): Promise<SoakResult> {
  const lock = await lockedBuild();
  if ("failed" in lock) return { skipped: lock.failed, loadAvg1m: loadAvg1m() };
  const every = (opts.sampleEveryS ?? 10) * 1000;
  let server: RunningServer | undefined;
  try {
    // The bot's own strategies on, as a user's `npm start` runs them.
    server = await startServer({ waitForWarmup: true, startTimeoutMs: 240_000, env: { SIM_SPEED: String(SIM_SPEED), AUTO_START: "true" } });
    const samples: SoakSample[] = [];
    const started = Date.now();
    const end = started + opts.minutes * 60_000;
    for (let next = started; ; next += every) {
      const wait = next - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const m = await memoryOf(server.url).catch(() => undefined);
      if (m) samples.push({ realS: round1((Date.now() - started) / 1000), ...m });
      if (Date.now() >= end) break;
    }
    if (samples.length < 4) return { skipped: `only ${samples.length} memory samples from GET /metrics:\n${server.output().slice(-2_000)}`, loadAvg1m: loadAvg1m() };
    const late = samples.slice(Math.floor(samples.length / 2));
    const simHours = late.map((s) => (s.realS * SIM_SPEED) / 3600);
    return {
      simSpeed: SIM_SPEED,
      realMinutes: opts.minutes,
      simulatedHours: round1((opts.minutes * 60 * SIM_SPEED) / 3600),
      samples,
      rssMbAtWarm: samples[0]!.rssMb,
      rssMbMax: Math.max(...samples.map((s) => s.rssMb)),
      rssMbEnd: samples.at(-1)!.rssMb,
      heapUsedMbEnd: samples.at(-1)!.heapUsedMb,
      rssGrowthMbPerSimHour: round1(slope(simHours, late.map((s) => s.rssMb))),
      heapGrowthMbPerSimHour: round1(slope(simHours, late.map((s) => s.heapUsedMb))),
      goals: GOALS,
      loadAvg1m: loadAvg1m(),
    };
  } finally {
    if (server) {
      await server.stop();
      removeDataDir(server.dataDir);
    }
    await lock.release();
  }
}
