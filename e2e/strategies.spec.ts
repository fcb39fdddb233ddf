import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { E2E_ADMIN_PASSWORD, E2E_API_TOKEN, removeDataDir, startServer, type RunningServer } from "./support/server";

/**
 * Issue 17: the trader's own strategies folder. A good file, one with a syntax error, one that throws and
 * one that never returns: the server starts and stays healthy, the good kind is listed beside the
 * built-ins, and the Strategies page shows each broken file with its file, line and reason.
 */

const dir = mkdtempSync(path.join(tmpdir(), "tk-e2e-strategies-"));
const header = `import { defineStrategy, z } from "tradekeel/strategy";\n`;
const spec = (kind: string, body: string) => `${header}
export default defineStrategy({
  kind: "${kind}",
  title: "${kind}",
  description: "e2e ${kind}",
  params: z.strictObject({}),
  timeframe: "5m",
  warmup: 3,
  setup: () => ({}),
  update: () => {},
  onCandle: (ctx) => {
${body}
  },
});
`;
copyFileSync(path.resolve(import.meta.dirname, "../server/strategy/__tests__/fixtures/breakout.ts"), path.join(dir, "breakout.ts"));
writeFileSync(path.join(dir, "syntax.ts"), `${header}const x = {\n  a: 1,,\n};\n`);
writeFileSync(path.join(dir, "throws.ts"), spec("throws", `    throw new Error("no table for " + ctx.symbol);`));
writeFileSync(path.join(dir, "loops.ts"), spec("loops", "    for (;;) {}"));

let server: RunningServer;
const auth = { Authorization: `Bearer ${E2E_API_TOKEN}` };

test.beforeAll(async () => {
  test.setTimeout(300_000); // a loaded machine (other e2e runs) may need minutes to start the server
  server = await startServer({ env: { STRATEGIES_DIR: dir }, startTimeoutMs: 240_000 });
});

test.afterAll(async () => {
  await server?.stop();
  if (server) removeDataDir(server.dataDir);
  rmSync(dir, { recursive: true, force: true });
});

test("broken strategy files leave the server running and are shown with file and line on the Strategies page", async ({ page }) => {
  test.setTimeout(180_000);
  expect((await (await fetch(`${server.url}/api/health`)).json()).status).toBe("ok");
  const kinds = (await (await fetch(`${server.url}/api/strategies/kinds`, { headers: auth })).json()) as Array<{ kind: string; source: string }>;
  expect(kinds.find((k) => k.kind === "fixture-breakout")?.source).toBe("user");
  expect(kinds.find((k) => k.kind === "ma_crossover")?.source).toBe("builtin");
  const report = (await (await fetch(`${server.url}/api/strategies/kinds?include=errors`, { headers: auth })).json()) as { errors: Array<{ name: string; line?: number; phase: string }> };
  expect(report.errors.map((e) => [e.name, e.phase, e.line])).toEqual([
    ["loops.ts", "smoke", 12],
    ["syntax.ts", "compile", 3],
    ["throws.ts", "smoke", 13],
  ]);

  await page.goto(`${server.url}/login?next=${encodeURIComponent("/strategies")}`);
  await page.getByLabel(/username/i).fill("admin");
  await page.getByLabel(/^password/i).fill(E2E_ADMIN_PASSWORD);
  await page.getByRole("button", { name: /sign in/i }).click();
  await page.waitForURL((url) => url.pathname === "/strategies");
  const kindsPanel = page.getByTestId("strategy-kinds");
  await expect(kindsPanel.getByText("fixture-breakout")).toBeVisible();
  await expect(kindsPanel.getByText("your file", { exact: true })).toBeVisible();
  const errors = page.getByTestId("strategy-errors");
  await expect(errors.getByText("syntax.ts:3:8")).toBeVisible();
  await expect(errors.getByText(/^throws\.ts:13/)).toBeVisible();
  await expect(errors.getByText(/^loops\.ts:12/)).toBeVisible();
  await expect(errors.getByText(/onCandle\(\) did not return within its 1000 ms time budget/)).toBeVisible();
  await expect(page.getByText("3 strategy files did not load")).toBeVisible();
  await page.screenshot({ path: "test-results/screens/strategies.png", fullPage: true });
  // Still serving after all that.
  expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
});
