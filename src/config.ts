// Configuration, read once at start from the environment and validated. A bad value stops the bot
// with one line per problem, in the operator's language (OPERATOR_LANGUAGE).
import { z } from "zod";
import { operatorLang, tFor } from "./i18n/i18n.ts";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** A public address a platform posts updates to. */
const webhookUrl = z.url({ protocol: /^https?$/, message: "config.bad_url" }).optional();
/** The secret a platform sends back with each update, so forged ones are refused. */
const webhookSecret = z
  .string()
  .regex(/^[A-Za-z0-9_-]{16,256}$/, { message: "config.bad_webhook_secret" })
  .optional();

const schema = z.object({
  TELEGRAM_BOT_TOKEN: z
    .string()
    .regex(/^\d+:[\w-]{20,}$/, { message: "config.bad_token" })
    .optional(),
  TELEGRAM_API_ROOT: z.url({ protocol: /^https?$/, message: "config.bad_url" }).default("https://api.telegram.org"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/.+/, { message: "config.bad_database_url" })
    .optional(),
  /** PostgreSQL connections the bot uses at once (its update handling is bounded by it); unset means 10. */
  DATABASE_POOL_SIZE: z.coerce
    .number({ message: "config.bad_pool_size" })
    .int({ message: "config.bad_pool_size" })
    .min(1, { message: "config.bad_pool_size" })
    .max(500, { message: "config.bad_pool_size" })
    .optional(),
  DATA_DIR: z.string().min(1).default("./data"),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: "config.bad_log_level" }).default("info"),
  OPERATOR_LANGUAGE: z.enum(["vi", "en"], { message: "config.bad_language" }).default("vi"),
  /** The Zalo bot's token (Zalo Bot Creator); unset means Telegram only. */
  ZALO_BOT_TOKEN: z
    .string()
    .regex(/^\d+:[\w-]+$/, { message: "config.bad_zalo_token" })
    .optional(),
  ZALO_API_ROOT: z.url({ protocol: /^https?$/, message: "config.bad_url" }).default("https://bot-api.zaloplatforms.com"),
  /** Unset means long polling (one instance only). */
  ZALO_WEBHOOK_URL: webhookUrl,
  /** Zalo sends it back in X-Bot-Api-Secret-Token. */
  ZALO_WEBHOOK_SECRET: webhookSecret,
  /** Unset means long polling. */
  TELEGRAM_WEBHOOK_URL: webhookUrl,
  /** Telegram sends it back in X-Telegram-Bot-Api-Secret-Token. */
  TELEGRAM_WEBHOOK_SECRET: webhookSecret,
  /**
   * Where the HTTP server listens. Unset: every address when a webhook or PUBLIC_URL needs it reachable from outside,
   * else loopback only (/healthz, /metrics for a local agent).
   */
  HOST: z.string().min(1).optional(),
  /** Port of the HTTP server (webhook and /healthz); unset means no server unless a webhook needs one (8080). */
  PORT: z.coerce.number({ message: "config.bad_port" }).int({ message: "config.bad_port" }).min(1, { message: "config.bad_port" }).max(65535, { message: "config.bad_port" }).optional(),
  /** Broadcasts use Telegram's paid broadcast mode (allow_paid_broadcast: up to 1,000 messages/s, billed in Stars). */
  TELEGRAM_PAID_BROADCAST: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
  /** Broadcast messages per second for this bot token; default 30 (1,000 in paid mode). */
  BROADCAST_RATE_PER_SECOND: z.coerce.number().int().min(1).max(1000).optional(),
  /** The local web chat (src/channels/web): "true" beside Telegram; unset means on exactly when there is no Telegram token. */
  WEB_CHAT: z.enum(["true", "false", "1", "0"], { message: "config.bad_boolean" }).optional(),
  /** Where the web chat listens: loopback unless the operator means otherwise (then WEB_CHAT_PASSWORD is required). */
  WEB_CHAT_HOST: z.string().min(1).default("127.0.0.1"),
  WEB_CHAT_PORT: z.coerce.number({ message: "config.bad_port" }).int({ message: "config.bad_port" }).min(0, { message: "config.bad_port" }).max(65535, { message: "config.bad_port" }).default(8080),
  /** Asked by the browser (user "demo") when the web chat listens beyond loopback. */
  WEB_CHAT_PASSWORD: z.string().min(12, { message: "config.bad_web_password" }).optional(),
  /**
   * Keys that sign member cards' QR codes: "id:secret" pairs, comma-separated, the first signs and all verify (rotation:
   * put the new one first, drop the old one when its cards should stop verifying). Unset: the bot makes its own and
   * keeps it in the store (SigningKey), shared by every instance.
   */
  CARD_SIGNING_KEYS: z
    .string()
    .regex(/^[a-z0-9]{1,8}:[A-Za-z0-9_-]{32,}(,[a-z0-9]{1,8}:[A-Za-z0-9_-]{32,})*$/, { message: "config.bad_card_keys" })
    .optional(),
  /** Where the card's QR code sends a phone: <PUBLIC_URL>/verify/<token>. Unset: the QR code holds the token alone. */
  PUBLIC_URL: z.url({ protocol: /^https?$/, message: "config.bad_url" }).optional(),
  /** Months a rejected or abandoned application is kept before its personal data is purged. */
  RETENTION_MONTHS: z.coerce.number({ message: "config.bad_months" }).int({ message: "config.bad_months" }).min(1, { message: "config.bad_months" }).max(120, { message: "config.bad_months" }).default(12),
  /** Days within which a data subject's request (correction, erasure) must be carried out or answered. */
  DATA_REQUEST_DAYS: z.coerce.number({ message: "config.bad_days" }).int({ message: "config.bad_days" }).min(1, { message: "config.bad_days" }).max(90, { message: "config.bad_days" }).default(30),
  /** Days an application waits before its chairs are reminded; twice that, the officers above. */
  APPLICATION_REMINDER_DAYS: z.coerce.number().int().min(1).max(60).default(3),
});

export type Config = z.infer<typeof schema>;

/** Whether this configuration serves the web chat (explicitly, or because there is no Telegram token). */
export const servesWebChat = (config: Config) => (config.WEB_CHAT === undefined ? !config.TELEGRAM_BOT_TOKEN : config.WEB_CHAT === "true" || config.WEB_CHAT === "1");
/** The configuration as the bot runs it: with no Telegram token, a placeholder one that is never sent (src/app.ts). */
export type BotConfig = Config & { TELEGRAM_BOT_TOKEN: string };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

/** Empty strings count as unset, as an operator would expect from `FOO= npm start`. */
function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => !!e[1]));
}

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const t = tFor(operatorLang(env));
  const parsed = schema.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0]);
        return t(issue.message.startsWith("config.") ? issue.message : "config.bad_value", { ns: "cli", name });
      }),
    );
  }
  for (const platform of ["TELEGRAM", "ZALO"] as const) {
    if (parsed.data[`${platform}_WEBHOOK_URL`] && !parsed.data[`${platform}_WEBHOOK_SECRET`]) {
      throw new ConfigError([t("config.missing_webhook_secret", { ns: "cli", name: platform })]);
    }
  }
  const loopback = ["127.0.0.1", "::1", "localhost"].includes(parsed.data.WEB_CHAT_HOST);
  if (servesWebChat(parsed.data) && !loopback && !parsed.data.WEB_CHAT_PASSWORD) {
    throw new ConfigError([t("config.missing_web_password", { ns: "cli" })]);
  }
  return parsed.data;
}

/** For entry points: the configuration, or the problems printed one per line and exit code 1. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) console.error(problem);
    process.exit(1);
  }
}
