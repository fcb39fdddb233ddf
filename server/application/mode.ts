import { z } from "zod";
import { AppError } from "../core/errors";
import type { TradingMode } from "../model/types";
import type { ArmingInput } from "../http/services";
import type { UseCaseDeps } from "./context";

/** The trading mode (ghost, paper, live): switching to real money needs arming (auth/live-arming.ts). */

export const modeChangeSchema = z.object({
  mode: z.enum(["ghost", "paper", "live"]),
  confirm: z.literal(true, { message: "switching modes needs confirm: true" }),
  arming: z
    .object({
      typedConfirmation: z.string().optional(),
      acknowledgedDailyLossLimit: z.number().optional(),
      acknowledgedMaxPosition: z.number().optional(),
      totpCode: z.string().optional(),
      overridePhrase: z.string().max(200).optional(),
    })
    .optional(),
});

export function modeUseCases({ engine }: UseCaseDeps) {
  return {
    get: () => ({ mode: engine.kernel.mode }),

    async set(input: z.infer<typeof modeChangeSchema>, actor: string, armLive?: (arming: ArmingInput | undefined) => Promise<void>) {
      const mode = input.mode as TradingMode;
      if (mode === "live" && !engine.kernel.accounts.has("live")) {
        throw new AppError("LIVE_NOT_CONFIGURED", `live mode needs exchange API keys for ${engine.venue.id} (VENUE_API_KEY / VENUE_API_SECRET or Settings)`, 409);
      }
      // Real money needs explicit arming; the simulator and testnets only the confirmation.
      if (mode === "live" && !engine.venue.simulated && !engine.venue.testnet) {
        if (!armLive) throw new AppError("ARMING_UNAVAILABLE", "live trading on a real-money venue cannot be armed: the security module is not available", 503);
        await armLive(input.arming);
      }
      await engine.setMode(mode, actor);
      return { mode: engine.kernel.mode };
    },
  };
}
