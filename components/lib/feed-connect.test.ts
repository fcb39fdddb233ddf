import { QueryClient, QueryObserver } from "@tanstack/react-query";
import { describe, expect, it, vi } from "vitest";
import { refetchLoadedBeforeFeed } from "./feed-connect";

/** A query whose answers the test gives by hand; `calls` are its requests, in order. */
function manualQuery(client: QueryClient, key: string, staleTime = 0) {
  const calls: Array<{ resolve: (value: string) => void; signal: AbortSignal }> = [];
  const observer = new QueryObserver(client, {
    queryKey: [key],
    queryFn: ({ signal }) => new Promise<string>((resolve) => calls.push({ resolve, signal })),
    staleTime,
    retry: false,
  });
  const unsubscribe = observer.subscribe(() => {});
  return { calls, observer, unsubscribe };
}

describe("the feed's first connect refetches what may have missed events", () => {
  it("a request still under way is not cancelled: it is asked again once it has answered", async () => {
    const client = new QueryClient();
    const q = manualQuery(client, "positions");
    await vi.waitFor(() => expect(q.calls).toHaveLength(1));
    const stop = refetchLoadedBeforeFeed(client, Date.now());
    await Promise.resolve();
    expect(q.calls).toHaveLength(1);
    expect(q.calls[0]!.signal.aborted).toBe(false);
    q.calls[0]!.resolve("answer computed before the feed was live");
    await vi.waitFor(() => expect(q.calls).toHaveLength(2));
    expect(q.observer.getCurrentResult().data).toBe("answer computed before the feed was live");
    q.calls[1]!.resolve("answer after the connect");
    await vi.waitFor(() => expect(q.observer.getCurrentResult().data).toBe("answer after the connect"));
    expect(q.calls).toHaveLength(2);
    stop();
    q.unsubscribe();
  });

  it("what was loaded before the connect is fetched once more, what was loaded after it is not", async () => {
    const client = new QueryClient();
    const before = manualQuery(client, "orders");
    await vi.waitFor(() => expect(before.calls).toHaveLength(1));
    before.calls[0]!.resolve("loaded");
    await vi.waitFor(() => expect(before.observer.getCurrentResult().data).toBe("loaded"));
    const connectedAt = Date.now() + 1;
    client.setQueryData(["status"], "pushed by the feed", { updatedAt: connectedAt + 10 });
    const after = manualQuery(client, "status", Infinity);
    refetchLoadedBeforeFeed(client, connectedAt);
    await vi.waitFor(() => expect(before.calls).toHaveLength(2));
    expect(after.calls).toHaveLength(0);
    before.unsubscribe();
    after.unsubscribe();
  });
});
