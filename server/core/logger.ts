import pino, { type Logger } from "pino";

/** Keys whose values never reach a log line, wherever they appear in the logged object. */
export const REDACTED_KEYS = [
  "password",
  "passwordHash",
  "secret",
  "apiKey",
  "apiSecret",
  "token",
  "apiToken",
  "authorization",
  "cookie",
  "masterKey",
  "totpSecret",
  "databaseUrl",
  "url",
];

const redactPaths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `headers.${k}`, `req.headers.${k}`]);

export function createLogger(level = "info", destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: "tradekeel" },
      redact: { paths: redactPaths, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** Strip credentials out of a connection URL before it is shown anywhere. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "[unparseable url]";
  }
}

export type { Logger };
