// Entry point: `npm start`. Reads the configuration, starts the bot, stops cleanly on SIGINT/SIGTERM.
import { ConfigError, loadConfig } from "./config.ts";
import { startApp } from "./app.ts";

let config;
try {
  config = loadConfig(process.env, { requireBotToken: true });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  for (const problem of error.problems) console.error(problem);
  process.exit(1);
}

const app = await startApp(config);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    app.logger.info({ signal }, "stopping");
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        app.logger.error({ err }, "unclean stop");
        process.exit(1);
      },
    );
  });
}
