// GET /verify/<token>: where a member card's QR code sends a phone's camera. It answers valid / no longer valid /
// not valid in the reader's language (the browser's, or ?lang=en), with no more than the card itself shows and the
// name shortened (./card.ts). Served by the HTTP server and, for the demo, by the web chat.
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { html } from "hono/html";
import type { PrismaClient } from "../db/database.ts";
import { isLang, tFor, toLang, type Lang } from "../i18n/i18n.ts";
import { formatMemberNumber } from "../membership/numbers.ts";
import { formatVietnamDate } from "../shared/time.ts";
import { checkCard, type CardCheck, type CardSettings } from "./card.ts";

/** The answer in words: the same in the CLI, the page and anywhere else a card is checked. */
export function cardCheckText(check: CardCheck, lang: Lang): string {
  const t = tFor(lang);
  if (check.kind !== "valid") return t(`card.verify.${check.kind}`);
  return t("card.verify.valid", {
    number: formatMemberNumber(check.number),
    name: check.name,
    unit: check.unitName,
    date: formatVietnamDate(check.joinedAt),
  });
}

function readerLang(query: string | undefined, acceptLanguage: string | undefined): Lang {
  if (isLang(query)) return query;
  return toLang(acceptLanguage?.split(",")[0]);
}

const COLOURS = { valid: "#1b5e20", no_longer: "#b71c1c", invalid: "#b71c1c" } as const;

export function verifyRoutes(prisma: PrismaClient, settings: CardSettings): Hono {
  const app = new Hono();
  // A page anyone may open: no scripts, nothing loaded from elsewhere, not indexed, not cached, no referrer sent on.
  app.use(
    "/verify/*",
    secureHeaders({
      contentSecurityPolicy: { defaultSrc: ["'none'"], styleSrc: ["'unsafe-inline'"] },
      referrerPolicy: "no-referrer",
    }),
  );
  app.get("/verify/:token", async (c) => {
    const lang = readerLang(c.req.query("lang"), c.req.header("accept-language"));
    const token = c.req.param("token");
    const check = await checkCard(prisma, settings, token);
    const t = tFor(lang);
    c.header("cache-control", "no-store");
    c.header("x-robots-tag", "noindex");
    return c.html(
      html`<!doctype html>
        <html lang="${lang}">
          <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            <title>${t("card.verify.page_title")}</title>
            <style>
              body { font-family: system-ui, sans-serif; margin: 0; padding: 24px; background: #fafafa; color: #111; }
              main { max-width: 480px; margin: 0 auto; }
              h1 { font-size: 20px; }
              .answer { font-size: 20px; line-height: 1.5; padding: 16px; border-radius: 8px; background: #fff; border-left: 6px solid ${COLOURS[check.kind]}; }
              p.note { color: #555; font-size: 15px; }
            </style>
          </head>
          <body>
            <main>
              <h1>${t("card.verify.page_title")}</h1>
              <p class="answer" data-result="${check.kind}">${cardCheckText(check, lang)}</p>
              <p class="note">${t("card.verify.page_note")}</p>
            </main>
          </body>
        </html>`,
      check.kind === "valid" ? 200 : 404,
    );
  });
  return app;
}
