import type { QueryClient } from "@tanstack/react-query";

/**
 * At the first connect: what was loaded, or was still loading, before the feed was live may have missed
 * events in between (an order that filled while the socket was connecting, a REST answer older than an event
 * it then overwrote): fetch those once more, now that no event can be missed. A request still under way is
 * not cancelled for that (the first paint of the page waits on it): it is asked again once it has answered.
 * Returns the stop of that wait.
 */
export function refetchLoadedBeforeFeed(queryClient: QueryClient, connectedAt: number): () => void {
  const cache = queryClient.getQueryCache();
  const inFlight = new Set(cache.findAll({ predicate: (q) => q.state.dataUpdatedAt < connectedAt && q.state.fetchStatus === "fetching" }).map((q) => q.queryHash));
  void queryClient.invalidateQueries({ predicate: (q) => q.state.dataUpdatedAt < connectedAt && !inFlight.has(q.queryHash) });
  if (inFlight.size === 0) return () => {};
  const unsubscribe = cache.subscribe((event) => {
    const query = event.query;
    if (event.type !== "updated" || !inFlight.has(query.queryHash) || query.state.fetchStatus === "fetching") return;
    inFlight.delete(query.queryHash);
    if (inFlight.size === 0) unsubscribe();
    void queryClient.invalidateQueries({ queryKey: query.queryKey, exact: true });
  });
  return unsubscribe;
}
