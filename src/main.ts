// Entry point: `npm start`. Reads the configuration, starts the bot (and the web chat), stops cleanly on SIGINT/SIGTERM
// within 10 s: updates in hand are finished, those not begun stay stored for the next start or another instance.
import { loadConfigOrExit } from "./config.ts";
import { operatorLang, tFor } from "./i18n/i18n.ts";
import { startApp } from "./app.ts";
import { exitIfStoreUnusable } from "./db/store-problems.ts";

// Without a Telegram token the bot runs the local web chat alone, so the product can be tried with nothing set up.
const config = loadConfigOrExit(process.env);
const app = await startApp(config).catch(exitIfStoreUnusable(config.DATA_DIR));
if (app.webChat) console.log(tFor(operatorLang())("config.web_chat_ready", { ns: "cli", url: app.webChat.url }));
// pg-boss leaves a promise unawaited when a connection drops in the middle of completing a job; Node would stop the
// whole bot for it. The job is retried by pg-boss; the bot logs it and goes on serving everyone else.
process.on("unhandledRejection", (reason) => app.logger.error({ err: reason }, "unhandled rejection"));
/** SIGTERM to exit, whatever happens: Docker and Kubernetes kill after 10 s, and a kill loses the log of why. */
const STOP_DEADLINE_MS = 9_500;

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    app.logger.info({ signal }, "stopping");
    setTimeout(() => {
      app.logger.error({ deadlineMs: STOP_DEADLINE_MS }, "stop took too long; exiting");
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        app.logger.error({ err }, "unclean stop");
        process.exit(1);
      },
    );
  });
}
