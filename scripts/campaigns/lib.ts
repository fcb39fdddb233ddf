import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import path from "node:path";

/**
 * Shared plumbing of the campaigns (scripts/campaign-*.ts): a deadline, percentiles, a summary table,
 * the results file under bench/results/ and the exit code (non-zero on any failure).
 */

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const RESULTS_DIR = path.join(ROOT, "bench", "results");

export interface CampaignCheck {
  name: string;
  /** What was measured. */
  value: number | string;
  /** The pass rule as text, e.g. "= 0", "< 200 ms". */
  target: string;
  ok: boolean;
}

export interface CampaignResult {
  campaign: string;
  startedAt: string;
  durationS: number;
  ok: boolean;
  /** The checkout the campaign ran on: HEAD and whether the working tree had local changes. */
  commit: { sha: string | null; dirty: boolean | null };
  /** loadavg1m at the end; loadavgStart / loadavgEnd are the 1, 5 and 15 minute averages (a shared machine). */
  machine: { cpus: number; loadavg1m: number; loadavgStart: number[]; loadavgEnd: number[]; memoryMB: number; node: string };
  parameters: Record<string, unknown>;
  checks: CampaignCheck[];
  /** Free-form details (per-round rows, samples of failures). */
  details: Record<string, unknown>;
}

export function check(name: string, value: number | string, target: string, ok: boolean): CampaignCheck {
  return { name, value, target, ok };
}

export function percentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export const round = (x: number | null, dp = 1): number | null => (x === null || !Number.isFinite(x) ? x : Math.round(x * 10 ** dp) / 10 ** dp);

/** A table of rows (objects with the same keys) as fixed-width text. */
export function table(rows: ReadonlyArray<Record<string, unknown>>): string {
  if (rows.length === 0) return "(none)\n";
  const keys = Object.keys(rows[0]);
  const cell = (v: unknown) => (v === null || v === undefined ? "-" : typeof v === "number" ? String(round(v, 2)) : String(v));
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => cell(r[k]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i])).join("  ").trimEnd();
  return [line(keys), line(widths.map((w) => "-".repeat(w))), ...rows.map((r) => line(keys.map((k) => cell(r[k]))))].join("\n") + "\n";
}

export class Deadline {
  readonly at: number;
  constructor(ms: number) {
    this.at = Date.now() + ms;
  }
  get remainingMs(): number {
    return Math.max(0, this.at - Date.now());
  }
  get passed(): boolean {
    return Date.now() >= this.at;
  }
}

/** Polls `condition` until it holds or `timeoutMs` passes; `explain` says what was missing. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, explain: () => string, pollMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${explain()}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** HEAD of the checkout and whether it has local changes (null outside a git checkout). */
export function gitCommit(): { sha: string | null; dirty: boolean | null } {
  const git = (args: string[]) => execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 10_000 }).trim();
  try {
    const sha = git(["rev-parse", "HEAD"]);
    let dirty: boolean | null = null;
    try {
      dirty = git(["status", "--porcelain", "--untracked-files=no"]).length > 0;
    } catch {
      dirty = null;
    }
    return { sha, dirty };
  } catch {
    return { sha: null, dirty: null };
  }
}

const loads = () => loadavg().map((x) => Math.round(x * 100) / 100);

export function startResult(campaign: string, parameters: Record<string, unknown>): { finish(checks: CampaignCheck[], details: Record<string, unknown>): CampaignResult } {
  const started = Date.now();
  const loadavgStart = loads();
  return {
    finish(checks, details) {
      const loadavgEnd = loads();
      return {
        campaign,
        startedAt: new Date(started).toISOString(),
        durationS: Math.round((Date.now() - started) / 100) / 10,
        ok: checks.length > 0 && checks.every((c) => c.ok),
        commit: gitCommit(),
        machine: { cpus: cpus().length, loadavg1m: loadavgEnd[0], loadavgStart, loadavgEnd, memoryMB: Math.round(totalmem() / 1_048_576), node: process.version },
        parameters,
        checks,
        details,
      };
    },
  };
}

/** Prints the summary table, writes bench/results/<campaign>.json (unless out is null) and returns the exit code. */
export function report(result: CampaignResult, out: string | null = path.join(RESULTS_DIR, `${result.campaign}.json`)): number {
  const m = result.machine;
  process.stdout.write(
    `\n${result.campaign}: ${result.ok ? "PASS" : "FAIL"} in ${result.durationS} s (${m.cpus} cores, load ${m.loadavgStart.join("/")} at the start, ${m.loadavgEnd.join("/")} at the end; commit ${result.commit.sha?.slice(0, 10) ?? "?"}${result.commit.dirty ? " + local changes" : ""})\n`,
  );
  process.stdout.write(table(result.checks.map((c) => ({ check: c.name, value: c.value, target: c.target, result: c.ok ? "ok" : "FAIL" }))));
  if (out) {
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`results: ${path.relative(process.cwd(), out)}\n`);
  }
  return result.ok ? 0 : 1;
}

/** Loopback only: campaigns never talk to anything but 127.0.0.1 / ::1 / localhost. */
export function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(host)) throw new Error(`campaigns only run against loopback, not ${host}`);
}
