// Entry point: `npm start`. Reads the configuration, starts the bot (and the web chat), stops cleanly on SIGINT/SIGTERM.
import { loadConfigOrExit } from "./config.ts";
import { operatorLang, tFor } from "./i18n/i18n.ts";
import { startApp } from "./app.ts";
import { exitIfStoreBusy } from "./db/embedded-lock.ts";

// Without a Telegram token the bot runs the local web chat alone, so the product can be tried with nothing set up.
const app = await startApp(loadConfigOrExit(process.env)).catch(exitIfStoreBusy);
if (app.webChat) console.log(tFor(operatorLang())("config.web_chat_ready", { ns: "cli", url: app.webChat.url }));
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
