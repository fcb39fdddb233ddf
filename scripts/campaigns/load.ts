import { io as connect, type Socket } from "socket.io-client";
import { startInProcessApp, type InProcessApp } from "./app";
import { TIMEFRAMES } from "../../server/model/types";
import { assertLoopback, check, percentile, round, startResult, waitUntil, type CampaignResult } from "./lib";

/**
 * Load campaign: `sockets` Socket.IO clients connected for `socketSeconds` (every closed candle the
 * engine publishes must reach every client; ticker and candle delay percentiles), then `rest` REST
 * clients in a closed loop for `restSeconds` on the hot reads (GET /api/status, GET /api/candles):
 * throughput, latency percentiles, errors. RSS sampled every second. In-process by default (the real
 * application, Socket.IO attached to a loopback HTTP server; see app.ts) with the clients in the same
 * process, or `url` + `token` for a running server.
 */

export interface LoadOptions {
  sockets: number;
  rest: number;
  socketSeconds: number;
  restSeconds: number;
  url?: string;
  token?: string;
  /** REST p95 target, ms. */
  restP95TargetMs?: number;
  log?: (line: string) => void;
}

export async function runLoadCampaign(options: LoadOptions): Promise<CampaignResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const target = options.restP95TargetMs ?? 200;
  const result = startResult("campaign-load", { sockets: options.sockets, rest: options.rest, socketSeconds: options.socketSeconds, restSeconds: options.restSeconds, transport: options.url ? `http ${options.url}` : "in-process" });
  let app: InProcessApp | undefined;
  const rss: number[] = [];
  const sampler = setInterval(() => rss.push(process.memoryUsage().rss), 1_000);
  const clients: Socket[] = [];
  try {
    let url = options.url;
    let token = options.token ?? "";
    if (url) assertLoopback(url);
    else {
      app = await startInProcessApp({ http: true, env: { SIM_SYMBOLS: "BTC/USDT,ETH/USDT,SOL/USDT,BNB/USDT", TRADING_SYMBOLS: "BTC/USDT,ETH/USDT,SOL/USDT,BNB/USDT", SIM_HISTORY_DAYS: "0.5" } });
      url = app.url!;
      token = app.token;
    }
    // What the engine published, and when (in-process only; over --url the union of all clients).
    const published = new Map<string, number>();
    const tickerAt = new Map<string, number>();
    let measuring = false;
    if (app) {
      app.app.services.engine!.bus.on("candle", (c) => {
        if (measuring) published.set(`${c.symbol}|${c.timeframe}|${c.openTime}`, performance.now());
      });
      app.app.services.engine!.bus.on("ticker", (t) => {
        if (measuring) tickerAt.set(`${t.symbol}|${t.timestamp}`, performance.now());
      });
    }

    // ---- sockets
    const received: Array<Set<string>> = [];
    // Tickers each client got, by identity: every ticker published while measuring must reach every client.
    const tickers: Array<Set<string>> = [];
    const candleDelays: number[] = [];
    const tickerDelays: number[] = [];
    const symbols = app ? app.app.services.engine!.symbols : ["BTC/USDT", "ETH/USDT"];
    const streams = symbols.flatMap((symbol) => TIMEFRAMES.map((timeframe) => ({ symbol, timeframe })));
    let seqGaps = 0;
    for (let i = 0; i < options.sockets; i++) {
      const socket = connect(url, { path: "/socket.io", transports: ["websocket"], auth: { token }, reconnection: true, forceNew: true });
      // Candles reach only the clients subscribed to the stream: each client shows every stream here.
      socket.on("connect", () => socket.emit("subscribe", { candles: streams }));
      const got = new Set<string>();
      received.push(got);
      const gotTickers = new Set<string>();
      tickers.push(gotTickers);
      const lastSeq = new Map<string, number>();
      socket.on("candle", (m: { symbol: string; timeframe: string; seq?: number; candle: { time: number; closed: boolean } }) => {
        if (!m?.candle?.closed) return;
        const stream = `${m.symbol}|${m.timeframe}`;
        const last = lastSeq.get(stream);
        if (typeof m.seq === "number") {
          if (last !== undefined && m.seq !== last + 1) seqGaps++;
          lastSeq.set(stream, m.seq);
        }
        const key = `${m.symbol}|${m.timeframe}|${m.candle.time}`;
        got.add(key);
        const at = published.get(key);
        if (at !== undefined) candleDelays.push(performance.now() - at);
      });
      socket.on("ticker", (t: { symbol: string; timestamp: number }) => {
        const tickerKey = `${t.symbol}|${t.timestamp}`;
        gotTickers.add(tickerKey);
        if (measuring && !app) tickerAt.set(tickerKey, tickerAt.get(tickerKey) ?? performance.now());
        const at = tickerAt.get(tickerKey);
        if (at !== undefined) tickerDelays.push(performance.now() - at);
      });
      clients.push(socket);
    }
    await waitUntil(() => clients.every((c) => c.connected), 120_000, () => `${clients.filter((c) => c.connected).length}/${clients.length} sockets connected`, 100);
    log(`${clients.length} sockets connected`);
    measuring = true;
    const socketStart = Date.now();
    await new Promise((r) => setTimeout(r, options.socketSeconds * 1_000));
    measuring = false;
    // Let what was published reach the clients.
    const expected = app ? new Set(published.keys()) : new Set(received.flatMap((s) => [...s]));
    const expectedTickers = [...tickerAt.keys()];
    await waitUntil(() => received.every((s) => [...expected].every((k) => s.has(k))) && tickers.every((t) => expectedTickers.every((k) => t.has(k))), 10_000, () => "", 100).catch(() => {});
    const missedPerClient = received.map((s) => [...expected].filter((k) => !s.has(k)).length);
    const clientsMissing = missedPerClient.filter((n) => n > 0).length;
    const tickersMissed = tickers.map((t) => expectedTickers.filter((k) => !t.has(k)).length);
    const tickerShortfall = tickersMissed.reduce((s, n) => s + n, 0);
    log(`sockets: ${expected.size} closed candles published in ${Math.round((Date.now() - socketStart) / 1000)} s, ${clientsMissing} clients missed some`);
    for (const c of clients) c.close();

    // ---- REST
    const latencies: number[] = [];
    let errors = 0;
    const restEnd = Date.now() + options.restSeconds * 1_000;
    const paths = ["/api/status", "/api/candles?symbol=BTC%2FUSDT&timeframe=1m&limit=200"];
    await Promise.all(
      Array.from({ length: options.rest }, async (_, worker) => {
        let n = worker;
        while (Date.now() < restEnd) {
          const started = performance.now();
          try {
            const res = await fetch(`${url}${paths[n++ % paths.length]}`, { headers: { authorization: `Bearer ${token}` } });
            await res.arrayBuffer();
            if (res.status >= 400) errors++;
          } catch {
            errors++;
          }
          latencies.push(performance.now() - started);
        }
      }),
    );
    const rps = latencies.length / options.restSeconds;
    const p50 = percentile(latencies, 0.5);
    const p95 = percentile(latencies, 0.95);
    log(`REST: ${latencies.length} requests, ${round(rps)} req/s, p50 ${round(p50)} ms, p95 ${round(p95)} ms, errors ${errors}`);

    const checks = [
      check("sockets", options.sockets, "connected", true),
      check("closed candles published", expected.size, "> 0", expected.size > 0),
      check("clients that missed a closed candle", clientsMissing, "= 0", clientsMissing === 0),
      check("closed candles missed (sum over clients)", missedPerClient.reduce((s, n) => s + n, 0), "= 0", missedPerClient.every((n) => n === 0)),
      check("candle sequence gaps seen by clients", seqGaps, "= 0", seqGaps === 0),
      check("tickers published while measuring that a client missed", tickerShortfall, "= 0", tickerShortfall === 0),
      check("ticker delay p99 ms", round(percentile(tickerDelays, 0.99)) ?? "-", "measured", true),
      check("candle delay p99 ms", round(percentile(candleDelays, 0.99)) ?? "-", "measured", true),
      check("REST requests/s", round(rps) ?? 0, "measured", true),
      check("REST p50 ms", round(p50) ?? "-", "measured", true),
      check("REST p95 ms", round(p95) ?? "-", `< ${target}`, p95 !== null && p95 < target),
      check("REST errors", errors, "= 0", errors === 0),
      check("RSS max MB", Math.round(Math.max(0, ...rss) / 1_048_576), "measured", true),
    ];
    return result.finish(checks, { missedPerClient: missedPerClient.filter((n) => n > 0).slice(0, 20), tickersPublished: expectedTickers.length, tickersMissedPerClient: tickersMissed.filter((n) => n > 0).slice(0, 20) });
  } finally {
    clearInterval(sampler);
    for (const c of clients) c.close();
    await app?.close();
  }
}
