/**
 * The bot under the crash campaign (scripts/campaign-crash.ts): live mode on the campaign's
 * standalone simulator (SIM_URL), the same data directory every run. After start-up (reconciliation
 * included) it prints one `CHECK {json}` line with its view of orders, positions, dust and cash,
 * waits for `GO` on stdin, then fires orders without waiting for them until it is SIGKILLed.
 * Config and order pattern: tests/engine/fixtures (crash-config.ts, crash-child.ts).
 */
import { createInterface } from "node:readline";
import { configSchema } from "../../server/config";
import { createLogger } from "../../server/core/logger";
import { openDatabase } from "../../server/db/database";
import { EngineRuntime } from "../../server/engine/runtime";
import { crashTestConfig } from "../../tests/engine/fixtures/crash-config";

const SYMBOLS = ["BTC/USDT", "ETH/USDT", "BNB/USDT", "SOL/USDT"];
const dataDir = process.env.DATA_DIR!;
const db = await openDatabase({ dataDir });
const engine = await EngineRuntime.create({ config: configSchema.parse(crashTestConfig(dataDir, process.env.SIM_URL!)), db, logger: createLogger("silent") });
await engine.start();
await engine.kernel.idle();
await engine.persistence.flush();

const live = engine.kernel.accounts.get("live")!;
const orders = await db.prisma.order.findMany({ select: { clientOrderId: true, status: true, filledQuantity: true } });
const check = {
  reconciliation: engine.reconciliation,
  orders: orders.map((o) => ({ clientOrderId: o.clientOrderId, status: o.status, filledQuantity: Number(o.filledQuantity) })),
  holdings: { cash: live.ledger.cash, positions: live.ledger.positions().map((p) => ({ symbol: p.symbol, side: p.side, quantity: p.quantity })), dust: live.ledger.dust() },
};
process.stdout.write(`CHECK ${JSON.stringify(check)}\n`);

await new Promise<void>((resolve) => {
  const rl = createInterface({ input: process.stdin });
  rl.on("line", (line) => {
    if (line.trim() === "GO") resolve();
  });
});

const rand = () => Math.random();
// Buys at market, sells part of what it holds at market, and keeps a few resting limit buys far from
// the price: a hundred rounds of this neither run out of cash nor pile up open orders.
const MAX_RESTING_PER_SYMBOL = 8;
// Why orders were refused, on stderr every few seconds: the campaign shows it if the bot stops trading.
const refusals = new Map<string, number>();
const noteRefusal = (r: { decision: { allowed: boolean; code: string } }) => {
  if (!r.decision.allowed) refusals.set(r.decision.code, (refusals.get(r.decision.code) ?? 0) + 1);
};
let pending = 0;
setInterval(() => {
  const account = engine.kernel.activeAccount;
  process.stderr.write(
    `state: ${account.tradingState} (${account.tradingStateReason ?? "-"}) prices ${account.lastPrices.size} open orders ${account.openOrders().length} orders pending ${pending} refused ${JSON.stringify(Object.fromEntries(refusals))}\n`,
  );
}, 3_000).unref();
const track = <T,>(p: Promise<T>) => {
  pending += 1;
  return p.finally(() => (pending -= 1));
};
for (;;) {
  const batch: Promise<unknown>[] = [];
  const account = engine.kernel.activeAccount;
  for (const symbol of SYMBOLS) {
    const price = account.lastPrices.get(symbol) ?? 0;
    if (!price) continue;
    const held = account.ledger.openPositionsOf(symbol).find((p) => !p.strategyInstanceId && p.side === "long");
    if (held && held.quantity * price > 60 && rand() < 0.5) {
      batch.push(track(engine.kernel.placeManualOrder({ symbol, side: "sell", type: "market", quantity: held.quantity * (0.3 + 0.4 * rand()), actor: "crash-campaign" })).then(noteRefusal, () => {}));
    } else {
      batch.push(track(engine.kernel.placeManualOrder({ symbol, side: "buy", type: "market", quantity: (10 + 20 * rand()) / price, actor: "crash-campaign" })).then(noteRefusal, () => {}));
    }
    const resting = account.openOrders().filter((o) => o.symbol === symbol && o.type === "limit").length;
    if (resting < MAX_RESTING_PER_SYMBOL) {
      batch.push(track(engine.kernel.placeManualOrder({ symbol, side: "buy", type: "limit", price: price * 0.7, quantity: 12 / (price * 0.7), actor: "crash-campaign" })).then(noteRefusal, () => {}));
    }
  }
  if (batch.length === 0) {
    await new Promise((r) => setTimeout(r, 100));
    continue;
  }
  await Promise.race([Promise.all(batch), new Promise((r) => setTimeout(r, 30))]);
  // Refusals settle at once: without a turn of the event loop a run of them would starve every timer.
  await new Promise((r) => setImmediate(r));
}
