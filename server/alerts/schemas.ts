import { z } from "zod";
import { ALERT_KINDS } from "./types";

/** Input schemas of the alerts API (no channel libraries here: route handlers import this file). */
export const routingSchema = z.strictObject({
  minSeverity: z.enum(["info", "warning", "critical"]).default("info"),
  kinds: z.array(z.enum(ALERT_KINDS)).optional(),
});
const secretText = z.string().trim().min(1).max(500);
export const channelInputSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("telegram"),
    name: z.string().trim().min(1).max(64).default("Telegram"),
    enabled: z.boolean().default(true),
    routing: routingSchema.prefault({}),
    settings: z.strictObject({
      chatIds: z.array(z.string().regex(/^-?\d+$/, "expected a numeric chat id")).min(1, "add at least one chat id"),
      apiRoot: z.string().regex(/^https?:\/\/\S+$/, "expected an http(s) URL").default("https://api.telegram.org"),
    }),
    secrets: z.strictObject({ botToken: z.string().regex(/^\d+:[\w-]+$/, "expected a bot token such as 123456:ABC-DEF1234").optional() }).prefault({}),
  }),
  z.strictObject({
    kind: z.literal("email"),
    name: z.string().trim().min(1).max(64).default("E-mail"),
    enabled: z.boolean().default(true),
    routing: routingSchema.prefault({ minSeverity: "warning" }),
    settings: z.strictObject({
      host: z.string().trim().min(1).max(255),
      port: z.number().int().min(1).max(65535).default(587),
      secure: z.boolean().default(false),
      user: z.string().trim().min(1).max(255).optional(),
      from: z.string().trim().min(3).max(255),
      to: z.array(z.string().regex(/^[^\s@]+@[^\s@]+$/, "expected an e-mail address")).min(1, "add at least one recipient"),
    }),
    secrets: z.strictObject({ password: secretText.optional() }).prefault({}),
  }),
  z.strictObject({
    kind: z.literal("webhook"),
    name: z.string().trim().min(1).max(64).default("Webhook"),
    enabled: z.boolean().default(true),
    routing: routingSchema.prefault({}),
    settings: z.strictObject({ url: z.string().regex(/^https?:\/\/\S+$/, "expected an http(s) URL") }),
    secrets: z.strictObject({ secret: z.string().min(16, "must be at least 16 characters").max(500).optional() }).prefault({}),
  }),
]);
export type ChannelInput = z.input<typeof channelInputSchema>;

export const alertLogQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().optional(),
  kind: z.enum(ALERT_KINDS).optional(),
  severity: z.enum(["info", "warning", "critical"]).optional(),
});

