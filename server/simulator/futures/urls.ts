/** Path prefix of the futures websockets on the simulator (the stand-in for wss://fstream.binance.com). */
export const FUTURES_WS_PREFIX = "/fstream";

/**
 * ccxt's binanceusdm URLs pointed at the simulator: every fapi REST URL keeps its path on the
 * simulator's origin (https://fapi.binance.com/fapi/v1 → http://127.0.0.1:PORT/fapi/v1); every
 * other URL lands on a path the simulator refuses, so nothing reaches the real exchange. The futures
 * websocket base (wss://fstream.binance.com/ws) becomes ws://127.0.0.1:PORT/fstream/ws.
 */
export function futuresUrls(urls: Record<string, unknown>, restUrl: string): Record<string, unknown> {
  const origin = new URL(restUrl).origin;
  const ws = origin.replace(/^http/, "ws");
  const map = (node: unknown, path: string[]): unknown => {
    if (typeof node === "string" && /^(https?|wss?):\/\//.test(node)) {
      // The futures market and user-data streams (ccxt derives /market/ws, /public/ws, /private/ws from it).
      if (path.at(-2) === "ws" && path.at(-1) === "future") return `${ws}${FUTURES_WS_PREFIX}/ws`;
      const parsed = new URL(node);
      if (parsed.pathname.startsWith("/fapi/")) return `${origin}${parsed.pathname}`;
      return `${node.startsWith("ws") ? ws : origin}/unsupported/${path.join("/")}`;
    }
    if (node && typeof node === "object") return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, map(v, [...path, k])]));
    return node;
  };
  return { ...urls, api: map(urls.api, ["api"]), test: map(urls.test, ["test"]), demo: map(urls.demo, ["demo"]) };
}
