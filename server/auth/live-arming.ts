import { matchTotp } from "./totp";

/**
 * Arming live trading on a real-money venue: a deliberate act with every condition spelled out. The
 * check is pure; the auth service wraps it with the user's TOTP secret and the audit record.
 * (The kill switch is the opposite: it never asks for more than a signed-in session and a confirmation.)
 */
export const LIVE_CONFIRMATION_PHRASE = "TRADE REAL MONEY";
/** Typed, with a valid TOTP code, to arm while go-live checklist items fail (issue 16; audited by the caller). */
export const GO_LIVE_OVERRIDE_PHRASE = "I OVERRIDE THE GO-LIVE CHECKLIST";

export type LiveArmingCode =
  | "LIVE_NO_MAINNET_KEYS"
  | "LIVE_CONFIRMATION_MISMATCH"
  | "LIVE_DAILY_LOSS_NOT_ACKNOWLEDGED"
  | "LIVE_MAX_POSITION_NOT_ACKNOWLEDGED"
  | "LIVE_TOTP_REQUIRED"
  | "LIVE_TOTP_INVALID"
  | "LIVE_USER_REQUIRED"
  | "LIVE_CHECKLIST_FAILING"
  | "LIVE_OVERRIDE_NEEDS_TOTP";

export interface LiveArmingFailure {
  code: LiveArmingCode;
  message: string;
  /** LIVE_CHECKLIST_FAILING: the failing go-live items with their figures. */
  items?: { id: string; label: string; figure: string }[];
}

export interface LiveArmingLimits {
  /** The daily loss limit in the unit the confirmation dialog shows (the engine decides, e.g. dailyLossPct). */
  dailyLossLimit: number;
  /** The max position in the unit the confirmation dialog shows (e.g. maxPositionPctEquity or a quote amount). */
  maxPosition: number;
}

export interface LiveArmingUser {
  username: string;
  totpEnabled: boolean;
  /** The decrypted base32 TOTP secret when two-factor is enabled. */
  totpSecret?: string | null;
}

export interface LiveArmingInput {
  /** Mainnet keys are stored and passed a balance fetch. */
  hasValidMainnetKeys: boolean;
  typedConfirmation: string;
  acknowledgedDailyLossLimit: number;
  acknowledgedMaxPosition: number;
  currentLimits: LiveArmingLimits;
  totpCode?: string | null;
  /** A signed-in person: scripts (API tokens) cannot arm real money. */
  user: LiveArmingUser | null;
  now: number;
  /**
   * The go-live checklist (server/golive/checklist.ts, GET /api/go-live). While an item fails, arming
   * is refused with the items, unless overridePhrase is GO_LIVE_OVERRIDE_PHRASE and TOTP is on and valid.
   */
  goLive?: { items: readonly { id: string; label: string; passed: boolean; figure: string }[] };
  overridePhrase?: string | null;
}

export type LiveArmingResult =
  | { ok: true; totpStep: number | null; /** Checklist items armed past with the override (audit them). */ overridden?: string[] }
  | { ok: false; failures: LiveArmingFailure[] };

/** Numbers from a form must equal the limits exactly; a tolerance absorbs float noise only. */
function sameLimit(acknowledged: number, current: number): boolean {
  if (!Number.isFinite(acknowledged) || !Number.isFinite(current)) return false;
  return Math.abs(acknowledged - current) <= 1e-9 * Math.max(1, Math.abs(current));
}

export function checkLiveArming(input: LiveArmingInput): LiveArmingResult {
  const failures: LiveArmingFailure[] = [];
  if (!input.user) {
    failures.push({ code: "LIVE_USER_REQUIRED", message: "arming real money needs a signed-in person; API tokens cannot do it" });
  }
  if (!input.hasValidMainnetKeys) {
    failures.push({ code: "LIVE_NO_MAINNET_KEYS", message: "enter mainnet API keys in settings and let them pass validation first" });
  }
  if (typeof input.typedConfirmation !== "string" || input.typedConfirmation.trim() !== LIVE_CONFIRMATION_PHRASE) {
    failures.push({ code: "LIVE_CONFIRMATION_MISMATCH", message: `type "${LIVE_CONFIRMATION_PHRASE}" exactly to confirm` });
  }
  if (!sameLimit(input.acknowledgedDailyLossLimit, input.currentLimits.dailyLossLimit)) {
    failures.push({
      code: "LIVE_DAILY_LOSS_NOT_ACKNOWLEDGED",
      message: `acknowledge the current daily loss limit (${input.currentLimits.dailyLossLimit}); the limits may have changed since the form was opened`,
    });
  }
  if (!sameLimit(input.acknowledgedMaxPosition, input.currentLimits.maxPosition)) {
    failures.push({
      code: "LIVE_MAX_POSITION_NOT_ACKNOWLEDGED",
      message: `acknowledge the current max position (${input.currentLimits.maxPosition}); the limits may have changed since the form was opened`,
    });
  }
  let totpStep: number | null = null;
  if (input.user?.totpEnabled) {
    const code = input.totpCode?.trim();
    if (!code) {
      failures.push({ code: "LIVE_TOTP_REQUIRED", message: "two-factor is on: enter the current code from your authenticator app" });
    } else {
      totpStep = input.user.totpSecret ? matchTotp(input.user.totpSecret, code, input.now) : null;
      if (totpStep === null) failures.push({ code: "LIVE_TOTP_INVALID", message: "the two-factor code is wrong or expired" });
    }
  }
  const failing = input.goLive?.items.filter((i) => !i.passed) ?? [];
  if (failing.length > 0) {
    const overriding = typeof input.overridePhrase === "string" && input.overridePhrase.trim() === GO_LIVE_OVERRIDE_PHRASE;
    if (!overriding) {
      failures.push({
        code: "LIVE_CHECKLIST_FAILING",
        message: `the go-live checklist is not complete: ${failing.map((i) => `${i.label} (${i.figure})`).join("; ")}`,
        items: failing.map((i) => ({ id: i.id, label: i.label, figure: i.figure })),
      });
    } else if (!input.user?.totpEnabled) {
      failures.push({ code: "LIVE_OVERRIDE_NEEDS_TOTP", message: "overriding the go-live checklist needs two-factor authentication: turn it on first" });
    }
  }
  return failures.length ? { ok: false, failures } : { ok: true, totpStep, ...(failing.length > 0 ? { overridden: failing.map((i) => i.id) } : {}) };
}
