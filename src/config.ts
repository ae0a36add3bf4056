// Configuration, read once at start from the environment and validated. A bad value stops the bot
// with one line per problem, in the operator's language (OPERATOR_LANGUAGE).
import { z } from "zod";
import { operatorLang, tFor } from "./i18n/i18n.ts";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

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
  DATA_DIR: z.string().min(1).default("./data"),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: "config.bad_log_level" }).default("info"),
  OPERATOR_LANGUAGE: z.enum(["vi", "en"], { message: "config.bad_language" }).default("vi"),
});

export type Config = z.infer<typeof schema>;
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

export function loadConfig(env: NodeJS.ProcessEnv, options: { requireBotToken: true }): BotConfig;
export function loadConfig(env: NodeJS.ProcessEnv, options: { requireBotToken: false }): Config;
export function loadConfig(env: NodeJS.ProcessEnv, options: { requireBotToken: boolean }): Config {
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
  if (options.requireBotToken && !parsed.data.TELEGRAM_BOT_TOKEN) {
    throw new ConfigError([t("config.missing_token", { ns: "cli" })]);
  }
  return parsed.data;
}

/** For entry points: the configuration, or the problems printed one per line and exit code 1. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv, options: { requireBotToken: true }): BotConfig;
export function loadConfigOrExit(env: NodeJS.ProcessEnv, options: { requireBotToken: false }): Config;
export function loadConfigOrExit(env: NodeJS.ProcessEnv, options: { requireBotToken: boolean }): Config {
  try {
    return options.requireBotToken ? loadConfig(env, { requireBotToken: true }) : loadConfig(env, { requireBotToken: false });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) console.error(problem);
    process.exit(1);
  }
}
