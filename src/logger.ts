// Structured logs (pino). Tokens and personal data never reach them: known fields are redacted by
// path, and bot tokens are scrubbed from any message or error text (grammY errors can carry URLs).
import pino, { type Logger } from "pino";
import { currentHandling } from "./inbox/handling.ts";

export type { Logger };

const TOKEN_PATTERN = /\d{5,}:[\w-]{20,}/g;
/** Telegram and Zalo both put the token in the URL path: `/bot<id>:<secret>/method`, however short the secret. */
const TOKEN_IN_URL = /\/bot\d+:[^/\s]+\//g;

export function scrubSecrets(text: string): string {
  return text.replace(TOKEN_IN_URL, "/bot<token>/").replace(TOKEN_PATTERN, "<token>");
}

const PERSONAL_FIELDS = [
  "token",
  "fullName",
  "phone",
  "phone_number",
  "birthDate",
  "ethnicity",
  "text",
  "first_name",
  "last_name",
  "username",
  "contact",
  "unlistedEmployer",
  "unlistedAddress",
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      // A line written while an update is handled names it (the inbox row and its channel), never who sent it.
      mixin: () => {
        const handling = currentHandling.getStore();
        return handling ? { inboxId: handling.id, channel: handling.channel } : {};
      },
      redact: {
        paths: [...PERSONAL_FIELDS, ...PERSONAL_FIELDS.map((f) => `*.${f}`), "*.*.text", "config.TELEGRAM_BOT_TOKEN"],
        censor: "[redacted]",
      },
      serializers: {
        err: (err: Error) => {
          const serialized = pino.stdSerializers.err(err);
          return {
            ...serialized,
            message: scrubSecrets(serialized.message ?? ""),
            stack: scrubSecrets(serialized.stack ?? ""),
            // GrammyError carries the request payload, which holds message text and chat ids.
            payload: undefined,
          };
        },
      },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === "string" ? scrubSecrets(a) : a)) as Parameters<typeof method>,
          );
        },
      },
    },
    destination,
  );
}
