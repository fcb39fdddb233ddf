import type { ArmingInput } from "../lib/types";
import { isNum } from "../lib/format";

/** What the trader types to arm live trading on a real-money venue (server/auth/live-arming.ts checks it). */
export const ARMING_PHRASE = "TRADE REAL MONEY";

export interface ArmingDraft {
  typedConfirmation: string;
  acknowledgedDailyLossLimit: boolean;
  acknowledgedMaxPosition: boolean;
  totpCode: string;
}

/** The limits the dialog shows and the trader acknowledges: dailyLossPct and maxPositionPctEquity from /api/risk. */
export interface ShownLimits {
  dailyLossLimit: number | null;
  maxPosition: number | null;
}

export const EMPTY_ARMING: ArmingDraft = { typedConfirmation: "", acknowledgedDailyLossLimit: false, acknowledgedMaxPosition: false, totpCode: "" };

/**
 * The steps still missing before the arming request can be sent (empty when complete). The code from the
 * authenticator is required when the trader has two-factor on (the server checks it then).
 */
export function missingArmingSteps(draft: ArmingDraft, limits: ShownLimits, totpRequired = true): string[] {
  const missing: string[] = [];
  if (!isNum(limits.dailyLossLimit) || !isNum(limits.maxPosition)) missing.push("wait for the current risk limits to load");
  if (!draft.acknowledgedDailyLossLimit) missing.push("acknowledge the daily loss limit");
  if (!draft.acknowledgedMaxPosition) missing.push("acknowledge the maximum position");
  if (draft.typedConfirmation.trim() !== ARMING_PHRASE) missing.push(`type ${ARMING_PHRASE}`);
  if (totpRequired && !/^\d{6}$/.test(draft.totpCode.trim())) missing.push("enter the 6-digit code from your authenticator");
  return missing;
}

/** The request body's `arming`: the acknowledged limits are the exact numbers shown, so a change meanwhile is caught. */
export function toArmingInput(draft: ArmingDraft, limits: ShownLimits, totpRequired = true): ArmingInput | null {
  if (missingArmingSteps(draft, limits, totpRequired).length > 0 || !isNum(limits.dailyLossLimit) || !isNum(limits.maxPosition)) return null;
  const code = draft.totpCode.trim();
  return {
    typedConfirmation: draft.typedConfirmation.trim(),
    acknowledgedDailyLossLimit: limits.dailyLossLimit,
    acknowledgedMaxPosition: limits.maxPosition,
    ...(code ? { totpCode: code } : {}),
  };
}
