import { describe, expect, it } from "vitest";
import { sessionConfigSchema } from "@/server/application/sessions";
import { countdownText, SESSION_DEFAULTS, sessionProgress } from "./session-defaults";

describe("the sessions start form", () => {
  it("offers the plan's session: the server's own defaults", () => {
    expect(SESSION_DEFAULTS).toEqual(sessionConfigSchema.parse({}));
  });
});

describe("a running session's progress", () => {
  it("+3 of a +6 target is half way, and nothing towards the loss limit", () => {
    expect(sessionProgress(3, 6, 15)).toEqual({ toTarget: 0.5, toLoss: 0 });
  });
  it("-7.5 of a 15 loss limit is half way to the stop", () => {
    expect(sessionProgress(-7.5, 6, 15)).toEqual({ toTarget: 0, toLoss: 0.5 });
  });
  it("beyond the target or limit stays at 100 %; no P&L yet is 0", () => {
    expect(sessionProgress(9, 6, 15).toTarget).toBe(1);
    expect(sessionProgress(null, 6, 15)).toEqual({ toTarget: 0, toLoss: 0 });
  });
  it("counts down in hours, minutes and seconds", () => {
    expect(countdownText(3_725_000)).toBe("1 h 02 min 05 s");
    expect(countdownText(65_000)).toBe("1 min 05 s");
    expect(countdownText(-5)).toBe("0 s");
  });
});
