// Entry point: `npm start`. Reads the configuration, starts the bot, stops cleanly on SIGINT/SIGTERM.
import { loadConfigOrExit } from "./config.ts";
import { startApp } from "./app.ts";
import { exitIfStoreBusy } from "./db/embedded-lock.ts";

const app = await startApp(loadConfigOrExit(process.env, { requireBotToken: true })).catch(exitIfStoreBusy);
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
