import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { checkLiveArming, LIVE_CONFIRMATION_PHRASE, type LiveArmingInput } from "../live-arming";
import { FailureLimiter } from "../rate-limit";
import { generateTotpSecret, totpCode } from "../totp";

describe("sign-in failure limiter", () => {
  it("locks a key after 5 failures in 15 minutes, for 15 minutes", () => {
    const clock = new ManualClock(1_000_000);
    const limiter = new FailureLimiter(clock);
    for (let i = 0; i < 4; i++) expect(limiter.recordFailure(["user:admin"])).toEqual([]);
    expect(limiter.lockedOf(["user:admin"])).toBeNull();
    expect(limiter.recordFailure(["user:admin"])).toEqual([{ key: "user:admin", retryAfterMs: 15 * 60_000 }]);
    clock.advance(14 * 60_000);
    expect(limiter.lockedOf(["ip:1.2.3.4", "user:admin"])).toEqual({ key: "user:admin", retryAfterMs: 60_000 });
    clock.advance(60_000);
    expect(limiter.lockedOf(["user:admin"])).toBeNull();
  });

  it("forgets failures older than the window", () => {
    const clock = new ManualClock(0);
    const limiter = new FailureLimiter(clock);
    for (let i = 0; i < 4; i++) limiter.recordFailure(["user:admin"]);
    clock.advance(15 * 60_000);
    expect(limiter.recordFailure(["user:admin"])).toEqual([]);
    expect(limiter.lockedOf(["user:admin"])).toBeNull();
  });

  it("a success clears the count", () => {
    const limiter = new FailureLimiter(new ManualClock(0));
    for (let i = 0; i < 4; i++) limiter.recordFailure(["user:admin"]);
    limiter.recordSuccess(["user:admin"]);
    expect(limiter.recordFailure(["user:admin"])).toEqual([]);
  });
});

describe("live arming", () => {
  const secret = generateTotpSecret();
  const now = 1_767_000_000_000;
  const valid: LiveArmingInput = {
    hasValidMainnetKeys: true,
    typedConfirmation: LIVE_CONFIRMATION_PHRASE,
    acknowledgedDailyLossLimit: 3,
    acknowledgedMaxPosition: 30,
    currentLimits: { dailyLossLimit: 3, maxPosition: 30 },
    totpCode: totpCode(secret, now),
    user: { username: "admin", totpEnabled: true, totpSecret: secret },
    now,
  };
  const codesOf = (input: LiveArmingInput) => {
    const result = checkLiveArming(input);
    return result.ok ? [] : result.failures.map((f) => f.code);
  };

  it("arms when every condition holds", () => {
    expect(checkLiveArming(valid)).toEqual({ ok: true, totpStep: Math.floor(now / 30_000) });
    expect(codesOf({ ...valid, user: { username: "admin", totpEnabled: false }, totpCode: undefined })).toEqual([]);
  });

  it.each([
    ["without validated mainnet keys", { hasValidMainnetKeys: false }, "LIVE_NO_MAINNET_KEYS"],
    ["with a mistyped confirmation", { typedConfirmation: "trade real money" }, "LIVE_CONFIRMATION_MISMATCH"],
    ["with an empty confirmation", { typedConfirmation: "" }, "LIVE_CONFIRMATION_MISMATCH"],
    ["when the daily loss limit changed since the dialog opened", { acknowledgedDailyLossLimit: 5 }, "LIVE_DAILY_LOSS_NOT_ACKNOWLEDGED"],
    ["with a NaN daily loss acknowledgement", { acknowledgedDailyLossLimit: Number.NaN }, "LIVE_DAILY_LOSS_NOT_ACKNOWLEDGED"],
    ["when the max position is not the current one", { acknowledgedMaxPosition: 25 }, "LIVE_MAX_POSITION_NOT_ACKNOWLEDGED"],
    ["without the two-factor code when two-factor is on", { totpCode: "" }, "LIVE_TOTP_REQUIRED"],
    ["with a wrong two-factor code", { totpCode: totpCode(secret, now - 120_000) }, "LIVE_TOTP_INVALID"],
    ["for an API token instead of a person", { user: null }, "LIVE_USER_REQUIRED"],
  ] as Array<[string, Partial<LiveArmingInput>, string]>)("refuses %s", (_name, change, code) => {
    expect(codesOf({ ...valid, ...change })).toEqual([code]);
  });

  it("lists every missing condition at once", () => {
    expect(codesOf({ ...valid, hasValidMainnetKeys: false, typedConfirmation: "yes", totpCode: null })).toEqual([
      "LIVE_NO_MAINNET_KEYS",
      "LIVE_CONFIRMATION_MISMATCH",
      "LIVE_TOTP_REQUIRED",
    ]);
  });
});
