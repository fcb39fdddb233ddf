import { describe, expect, it } from "vitest";
import { ARMING_PHRASE, EMPTY_ARMING, missingArmingSteps, toArmingInput } from "./arming";

const limits = { dailyLossLimit: 3, maxPosition: 30 };

describe("arming live trading on a real-money venue", () => {
  it("nothing done: every step is missing and nothing can be sent", () => {
    expect(missingArmingSteps(EMPTY_ARMING, limits)).toHaveLength(4);
    expect(toArmingInput(EMPTY_ARMING, limits)).toBeNull();
  });
  it("a wrong phrase or a 5-digit code keeps the request blocked", () => {
    const draft = { typedConfirmation: "trade real money", acknowledgedDailyLossLimit: true, acknowledgedMaxPosition: true, totpCode: "12345" };
    expect(missingArmingSteps(draft, limits)).toEqual([`type ${ARMING_PHRASE}`, "enter the 6-digit code from your authenticator"]);
  });
  it("without two-factor on, no code is asked for nor sent", () => {
    const draft = { typedConfirmation: ARMING_PHRASE, acknowledgedDailyLossLimit: true, acknowledgedMaxPosition: true, totpCode: "" };
    expect(missingArmingSteps(draft, limits, false)).toEqual([]);
    expect(toArmingInput(draft, limits, false)).toEqual({ typedConfirmation: ARMING_PHRASE, acknowledgedDailyLossLimit: 3, acknowledgedMaxPosition: 30 });
    expect(missingArmingSteps(draft, limits, true)).toEqual(["enter the 6-digit code from your authenticator"]);
  });
  it("limits that did not load cannot be acknowledged", () => {
    const draft = { typedConfirmation: ARMING_PHRASE, acknowledgedDailyLossLimit: true, acknowledgedMaxPosition: true, totpCode: "123456" };
    expect(toArmingInput(draft, { dailyLossLimit: null, maxPosition: 30 })).toBeNull();
  });
  it("all steps done: the request carries the phrase, the code and the limits exactly as shown", () => {
    const draft = { typedConfirmation: ` ${ARMING_PHRASE} `, acknowledgedDailyLossLimit: true, acknowledgedMaxPosition: true, totpCode: " 123456" };
    expect(missingArmingSteps(draft, limits)).toEqual([]);
    expect(toArmingInput(draft, limits)).toEqual({ typedConfirmation: ARMING_PHRASE, acknowledgedDailyLossLimit: 3, acknowledgedMaxPosition: 30, totpCode: "123456" });
  });
});
