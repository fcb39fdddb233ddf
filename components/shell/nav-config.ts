/**
 * Navigation of the dashboard, in menu order. Only pages that exist are linked.
 */
export interface NavItem {
  key: string;
  href: string;
  label: string;
}

export const NAV_ITEMS: readonly NavItem[] = [
  { key: "overview", href: "/", label: "Overview" },
  { key: "charts", href: "/charts", label: "Charts" },
  { key: "orderbook", href: "/orderbook", label: "Order book" },
  { key: "positions", href: "/positions", label: "Positions" },
  { key: "trades", href: "/trades", label: "Trades" },
  { key: "performance", href: "/performance", label: "Performance" },
  { key: "signals", href: "/signals", label: "Signals" },
  { key: "sessions", href: "/sessions", label: "Sessions" },
  { key: "strategies", href: "/strategies", label: "Strategies" },
  // ── Research pages ───────────────────────────────────────────────────────────
  { key: "backtest", href: "/backtest", label: "Backtest" },
  { key: "insights", href: "/insights", label: "Insights" },
  // ─────────────────────────────────────────────────────────────────────────────
  { key: "risk", href: "/risk", label: "Risk" },
  { key: "go-live", href: "/go-live", label: "Go live" },
  { key: "drift", href: "/drift", label: "Drift" },
  { key: "reconciliation", href: "/reconciliation", label: "Reconciliation" },
  { key: "alerts", href: "/alerts", label: "Alerts" },
  { key: "system", href: "/system", label: "System" },
  { key: "settings", href: "/settings", label: "Settings" },
];

/** The nav entry a path belongs to ("/trades/abc" → trades). */
export function activeNavKey(pathname: string): string {
  if (pathname === "/" || pathname === "") return "overview";
  const match = NAV_ITEMS.filter((item) => item.href !== "/" && (pathname === item.href || pathname.startsWith(`${item.href}/`)));
  return match[0]?.key ?? "";
}
