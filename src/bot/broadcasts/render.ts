// How an announcement looks on Telegram: a bold heading in the recipient's language, then the author's
// text with every HTML special character escaped (so "<b>" typed by an officer shows as typed and can
// never break the message), and a "Stop announcements" button whose data carries no id.
import { InlineKeyboard } from "grammy";
import { tFor, type Lang } from "../../i18n/i18n.ts";
import { escapeHtml } from "../../shared/text.ts";

/** The button under each announcement. */
export const STOP_DATA = "anc:off";

/** `ownHeading`: the text is one the bot wrote with its own heading line (a wave's text to members). */
export function renderAnnouncement(lang: Lang, text: string, options: { withButton: boolean; ownHeading?: boolean }) {
  const t = tFor(lang);
  const body = options.ownHeading ? escapeHtml(text) : `<b>${escapeHtml(t("broadcasts.heading"))}</b>\n\n${escapeHtml(text)}`;
  const keyboard = options.withButton ? new InlineKeyboard().text(t("broadcasts.stop_button"), STOP_DATA) : undefined;
  return { body, keyboard };
}
