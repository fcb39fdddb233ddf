import { remainingQuantity } from "../metrics";
import type { RiskCheck } from "../types";
import { allow, deny, exceeds, money, r } from "./verdict";

/**
 * A trading session's caps, enforced here and not only by sizing: an entry tagged with a session id
 * must belong to a running session (one the engine registered with setSessionRules), its position may
 * not pass the session's maxPositionQuote, the session's open positions its maxOpenPositions, and all
 * of them together its capital. Entries without a session id are not this check's business.
 */
export const sessionCapCheck: RiskCheck = {
  id: "session-cap",
  appliesTo: "entry",
  description: "Entries of a trading session within the session's position cap, open positions and capital.",
  evaluate({ request, ctx, metrics, sessions }) {
    const id = request.sessionId;
    if (id === undefined) return allow("NO_SESSION", "not a session order");
    const rules = sessions.get(id);
    const q = ctx.quoteCurrency;
    if (!rules) return deny("SESSION_NOT_RUNNING", `session ${id} is not running (ended or never started): its entries are refused`, { sessionId: id });
    const notional = metrics.orderNotional();
    // The session's positions: the engine tags a session's strategy instance with the session, so its
    // positions are those of the request's strategy instance (a session runs one instance).
    const mine = ctx.positions.filter((p) => p.strategyInstanceId !== undefined && p.strategyInstanceId === request.strategyInstanceId);
    const pending = metrics.pendingEntries().filter((o) => o.strategyInstanceId !== undefined && o.strategyInstanceId === request.strategyInstanceId);
    let resulting = notional;
    for (const p of metrics.positionsAddedTo()) resulting += metrics.positionNotional(p);
    for (const o of pending) if (o.symbol === request.symbol && o.side === request.side) resulting += remainingQuantity(o) * metrics.pendingPrice(o);
    let committed = notional;
    for (const p of mine) committed += metrics.positionNotional(p);
    for (const o of pending) committed += remainingQuantity(o) * metrics.pendingPrice(o);
    const addsToExisting = metrics.positionsAddedTo().length > 0;
    const openCount = new Set([...mine.map((p) => p.symbol), ...pending.map((o) => o.symbol)]).size;
    const data = {
      sessionId: id,
      notional: r(notional),
      positionNotional: r(resulting),
      sessionCommitted: r(committed),
      maxPositionQuote: rules.maxPositionQuote,
      capital: rules.capital,
      openPositions: openCount,
      maxOpenPositions: rules.maxOpenPositions,
    };
    if (!Number.isFinite(resulting) || exceeds(resulting, rules.maxPositionQuote)) {
      return deny("SESSION_POSITION_CAP", `session ${id}: a position of ${money(resulting, q)} is above the session's cap of ${money(rules.maxPositionQuote, q)}`, data);
    }
    if (!addsToExisting && openCount + 1 > rules.maxOpenPositions) {
      return deny("SESSION_MAX_OPEN", `session ${id}: ${openCount} positions open or pending; the session allows ${rules.maxOpenPositions}`, data);
    }
    if (exceeds(committed, rules.capital)) {
      return deny("SESSION_CAPITAL", `session ${id}: ${money(committed, q)} in positions would pass the session's capital of ${money(rules.capital, q)}`, data);
    }
    return allow("SESSION_CAP_OK", `session ${id}: ${money(resulting, q)} within ${money(rules.maxPositionQuote, q)}`, data);
  },
};
