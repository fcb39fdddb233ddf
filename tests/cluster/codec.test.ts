import { describe, expect, it } from "vitest";
import { decodeValue, encodeValue } from "../../server/cluster/codec";
import { Download, isDownload } from "../../server/application/context";

/** What a route handler passes to the engine and gets back through Redis is what it would have in one process. */
describe("a use case call crossing Redis to the engine", () => {
  it("keeps an omitted argument undefined (GET /api/positions without ?mode= is the engine's current mode, not mode null)", () => {
    const args = decodeValue(encodeValue([undefined, "actor"])) as unknown[];
    expect(args).toHaveLength(2);
    expect(args[0]).toBeUndefined();
    expect(args[1]).toBe("actor");
  });

  it("keeps dates as dates and an export as a download with the same file", () => {
    const back = decodeValue(encodeValue({ since: new Date("2024-03-01T00:00:00Z"), file: new Download("trades.csv", "text/csv", "id,pnl\n1,2\n") })) as { since: Date; file: Download };
    expect(back.since).toBeInstanceOf(Date);
    expect(back.since.toISOString()).toBe("2024-03-01T00:00:00.000Z");
    expect(isDownload(back.file)).toBe(true);
    expect([back.file.filename, back.file.contentType, back.file.body]).toEqual(["trades.csv", "text/csv", "id,pnl\n1,2\n"]);
  });

  it("sends a result the way Response.json would: absent fields stay absent, null stays null", () => {
    expect(JSON.stringify(decodeValue(encodeValue({ a: undefined, b: null, c: [1, 2] })))).toBe(JSON.stringify({ a: undefined, b: null, c: [1, 2] }));
  });
});
