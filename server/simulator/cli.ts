import { parseArgs } from "node:util";
import { startSimulator, type SimulatorOptions } from "./server";

/**
 * `npm run simulator -- [--port 9100] [--speed 60] [--seed 7] [--symbols BTC/USDT,ETH/USDT]
 *   [--history-days 2] [--csv path.csv] [--csv-symbol BTC/USDT] [--fee 0.001] [--manual-clock]`
 * Starts the Binance-compatible simulator on loopback and prints where it listens.
 */

const USAGE = `Usage: npm run simulator -- [options]
  --port <n>          port on 127.0.0.1 (default 9100, 0 = any free port)
  --host <addr>       interface (default 127.0.0.1)
  --speed <x>         simulated seconds per real second (default 1)
  --seed <n>          price seed (default 42)
  --symbols <list>    comma-separated unified symbols (default 10 USDT pairs)
  --history-days <d>  days of 1-minute history before now (default 2, max 30)
  --csv <path>        replay a candle CSV (open_time,open,high,low,close,volume) ...
  --csv-symbol <sym>  ... for this symbol (default BTC/USDT)
  --fee <rate>        maker and taker fee rate (default 0.001)
  --manual-clock      time moves only through POST /admin/advance {"ms": n}`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function numberOption(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value)) fail(`--${name} must be a number, got "${raw}"`);
  return value;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: "string" },
        host: { type: "string" },
        speed: { type: "string" },
        seed: { type: "string" },
        symbols: { type: "string" },
        "history-days": { type: "string" },
        csv: { type: "string" },
        "csv-symbol": { type: "string" },
        fee: { type: "string" },
        "manual-clock": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const options: SimulatorOptions = {
    port: numberOption("port", values.port) ?? 9100,
    host: values.host,
    speed: numberOption("speed", values.speed),
    seed: values.seed,
    historyDays: numberOption("history-days", values["history-days"]),
    feeRate: numberOption("fee", values.fee),
    manualClock: values["manual-clock"] ?? false,
    symbols: values.symbols ? values.symbols.split(",").map((s) => s.trim()).filter(Boolean) : undefined,
    csv: values.csv ? { symbol: values["csv-symbol"] ?? "BTC/USDT", path: values.csv } : undefined,
  };
  let sim;
  try {
    sim = await startSimulator(options);
  } catch (err) {
    fail(`cannot start the simulator: ${(err as Error).message}`);
  }
  const state = sim.state();
  process.stdout.write(
    [
      "Tradekeel exchange simulator (SIMULATED venue, no real money)",
      `  REST        ${sim.restUrl}/api/v3`,
      `  streams     ${sim.wsUrl}`,
      `  user data   ${sim.wsApiUrl}`,
      `  admin       ${sim.restUrl}/admin/state, /admin/faults`,
      `  API key     ${sim.defaultAccount.apiKey}`,
      `  API secret  ${sim.defaultAccount.secret}`,
      `  speed ${state.speed}x, seed ${state.seed}, ${state.markets.length} symbols, clock ${state.manualClock ? "manual" : "running"}`,
      ...state.markets.map((m) => `    ${m.symbol.padEnd(10)} ${m.lastPrice}`),
      "",
    ].join("\n"),
  );
  const stop = () => {
    void sim.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

void main();
