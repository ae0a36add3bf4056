// Entry point: `npm start`. Reads the configuration, starts the bot, stops cleanly on SIGINT/SIGTERM.
import { loadConfigOrExit } from "./config.ts";
import { startApp } from "./app.ts";
import { exitIfStoreBusy } from "./db/embedded-lock.ts";

const app = await startApp(loadConfigOrExit(process.env, { requireBotToken: true })).catch(exitIfStoreBusy);
// pg-boss leaves a promise unawaited when a connection drops in the middle of completing a job; Node would stop the
// whole bot for it. The job is retried by pg-boss; the bot logs it and goes on serving everyone else.
process.on("unhandledRejection", (reason) => app.logger.error({ err: reason }, "unhandled rejection"));
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
