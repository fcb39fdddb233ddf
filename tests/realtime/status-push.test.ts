import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../server/core/clock";
import { startRealtimeHarness } from "./harness";

/**
 * The header's status is pushed on the feed once a second of wall time, on the feed's injected clock
 * (issue 13: no setInterval outside the clock): nothing is computed while nobody is connected, a
 * connected dashboard gets one status per beat, and a status that takes longer than a beat (a loaded
 * machine) is not stacked behind itself.
 */

let harness: Awaited<ReturnType<typeof startRealtimeHarness>> | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function setUp(status: () => Promise<unknown>) {
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 12, 0, 0));
  harness = await startRealtimeHarness({ orderBookDepth: 20, clock, status });
  return { clock, harness };
}

async function header(h: NonNullable<typeof harness>) {
  const socket = h.connectClient();
  const statuses: unknown[] = [];
  socket.on("status", (s: unknown) => statuses.push(s));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  /** Everything the server sent before this answer has arrived. */
  const roundTrip = () => new Promise<void>((resolve) => socket.emit("subscribe", {}, () => resolve()));
  return { statuses, roundTrip };
}

describe("the status push on the feed's clock", () => {
  it("is not computed with nobody connected; a connected header gets one status per second of the clock", async () => {
    let computed = 0;
    const { clock, harness: h } = await setUp(async () => ({ n: ++computed }));
    clock.advance(5_000);
    expect(computed).toBe(0);

    const client = await header(h);
    clock.advance(1_000);
    await expect.poll(() => client.statuses, { timeout: 10_000 }).toEqual([{ n: 1 }]);
    clock.advance(1_000);
    await expect.poll(() => client.statuses, { timeout: 10_000 }).toEqual([{ n: 1 }, { n: 2 }]);
    // Half a beat is not a beat.
    clock.advance(500);
    await client.roundTrip();
    expect(client.statuses).toHaveLength(2);
    expect(computed).toBe(2);
  });

  it("a status slower than a beat is not stacked: the beats meanwhile are skipped, the next one after it pushes again", async () => {
    let computed = 0;
    let release: (() => void) | undefined;
    const { clock, harness: h } = await setUp(async () => {
      computed += 1;
      if (computed === 1) await new Promise<void>((resolve) => (release = resolve));
      return { n: computed };
    });
    const client = await header(h);
    clock.advance(1_000);
    await expect.poll(() => release !== undefined, { timeout: 10_000 }).toBe(true);
    for (let i = 0; i < 5; i++) clock.advance(1_000);
    expect(computed).toBe(1);
    release!();
    await expect.poll(() => client.statuses, { timeout: 10_000 }).toEqual([{ n: 1 }]);
    clock.advance(1_000);
    await expect.poll(() => client.statuses, { timeout: 10_000 }).toEqual([{ n: 1 }, { n: 2 }]);
    await client.roundTrip();
    expect(computed).toBe(2);
  });
});
