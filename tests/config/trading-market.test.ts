import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../server/config";

const emptyDir = () => mkdtempSync(path.join(tmpdir(), "tk-market-"));

function problemsOf(env: Record<string, string>, cwd = emptyDir()): string[] {
  try {
    loadConfig(env, cwd);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe("TRADING_MARKET: spot or USDⓈ-M futures", () => {
  it("a fresh install trades spot pairs, exactly the symbols it was given", () => {
    const config = loadConfig({}, emptyDir());
    expect(config.trading.market).toBe("spot");
    expect(config.trading.symbols).toEqual(["BTC/USDT", "ETH/USDT"]);
  });

  it("TRADING_MARKET=futures trades each pair's linear perpetual on the simulator", () => {
    const config = loadConfig({ TRADING_MARKET: "futures" }, emptyDir());
    expect(config.trading.market).toBe("futures");
    expect(config.trading.symbols).toEqual(["BTC/USDT:USDT", "ETH/USDT:USDT"]);
    expect(config.venue.id).toBe("simulator");
  });

  it("a perpetual written in ccxt's form is kept as it is, and the config file can choose futures too", () => {
    expect(loadConfig({ TRADING_MARKET: "futures", TRADING_SYMBOLS: "BTC/USDT:USDT,SOL/USDT" }, emptyDir()).trading.symbols).toEqual(["BTC/USDT:USDT", "SOL/USDT:USDT"]);
    const dir = emptyDir();
    writeFileSync(path.join(dir, "tradekeel.config.json"), JSON.stringify({ trading: { market: "futures" } }));
    expect(loadConfig({}, dir).trading.symbols).toEqual(["BTC/USDT:USDT", "ETH/USDT:USDT"]);
  });

  it("an unknown market names the key, the value and the fix", () => {
    const [problem] = problemsOf({ TRADING_MARKET: "margin" });
    expect(problem).toMatch(/^TRADING_MARKET="margin": expected spot or futures; fix: use spot \(the default\) or futures/);
  });

  it("futures on Binance's spot venue id stop the start with the venue to use instead", () => {
    const [problem] = problemsOf({ TRADING_MARKET: "futures", VENUE: "binance" });
    expect(problem).toContain('TRADING_MARKET="futures"');
    expect(problem).toContain('VENUE="binance"');
    expect(problem).toMatch(/fix: set VENUE=binanceusdm .*or TRADING_MARKET=spot/);
    expect(problemsOf({ TRADING_MARKET: "futures", VENUE: "binance-testnet" })[0]).toMatch(/VENUE=binanceusdm \(with testnet keys\)/);
    expect(problemsOf({ TRADING_MARKET: "futures", VENUE: "binanceusdm" })).toEqual([]);
  });

  it("a perpetual symbol while trading spot, or a pair not settled in the quote currency on futures, is refused with the fix", () => {
    expect(problemsOf({ TRADING_SYMBOLS: "BTC/USDT:USDT" })[0]).toMatch(/TRADING_SYMBOLS: BTC\/USDT:USDT is a perpetual and TRADING_MARKET is spot; fix: set TRADING_MARKET=futures, or name the spot pair \(BTC\/USDT\)/);
    expect(problemsOf({ TRADING_MARKET: "futures", TRADING_SYMBOLS: "ETH/BTC" })[0]).toMatch(/settled in USDT.*ETH\/BTC:BTC; fix: trade USDT pairs/);
  });
});
