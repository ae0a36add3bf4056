// Member cards from the operator's seat: `verify-card <token | link | image>` answers what the card's QR code would,
// and `card-key list | rotate | retire <id>` manages the keys the bot made itself (src/cards/keys.ts).
import { existsSync } from "node:fs";
import { checkCard, cardSettings } from "../cards/card.ts";
import { listStoredKeys, retireStoredKey, rotateStoredKey } from "../cards/keys.ts";
import { qrTextIn } from "../cards/read-qr.ts";
import { cardCheckText } from "../cards/verify-page.ts";
import { operatorLang, tFor } from "../i18n/i18n.ts";
import { formatVietnamDateTime } from "../shared/time.ts";
import { readCommandFile, type Command } from "./command.ts";

const lang = operatorLang();
const t = tFor(lang);

const verifyCard: Command = async (prisma, args, config) => {
  const [given] = args;
  if (!given || args.length !== 1) {
    console.error(t("card.verify.usage"));
    return 2;
  }
  let scanned = given;
  if (/\.(png|jpe?g|webp)$/i.test(given) || existsSync(given)) {
    const bytes = await readCommandFile(given, t, "card.verify.unreadable");
    if (!bytes) return 1;
    const text = await qrTextIn(bytes).catch(() => undefined);
    if (text === undefined) {
      console.error(t("card.verify.unreadable", { file: given }));
      return 1;
    }
    if (text === null) {
      console.error(t("card.verify.no_qr", { file: given }));
      return 1;
    }
    scanned = text;
  }
  const check = await checkCard(prisma, cardSettings(config), scanned);
  console.log(cardCheckText(check, lang));
  return check.kind === "valid" ? 0 : 1;
};

const cardKey: Command = async (prisma, args, config) => {
  const [action, id] = args;
  if (config.CARD_SIGNING_KEYS && action !== undefined) {
    console.log(t("card.keys.configured"));
    return action === "list" ? 0 : 2;
  }
  if (action === "list" && !id) {
    const keys = await listStoredKeys(prisma);
    if (keys.length === 0) console.log(t("card.keys.none"));
    for (const key of keys) {
      const state = key.retiredAt ? t("card.keys.retired", { at: formatVietnamDateTime(key.retiredAt) }) : t("card.keys.active");
      console.log(t("card.keys.row", { id: key.id, created: formatVietnamDateTime(key.createdAt), state }));
    }
    return 0;
  }
  if (action === "rotate" && !id) {
    console.log(t("card.keys.rotated", { id: await rotateStoredKey(prisma) }));
    return 0;
  }
  if (action === "retire" && id) {
    if (!(await retireStoredKey(prisma, id))) {
      console.error(t("card.keys.no_such", { id }));
      return 1;
    }
    console.log(t("card.keys.retired_done", { id }));
    return 0;
  }
  console.error(t("card.keys.usage"));
  return 2;
};

export const cardCommands: Record<string, Command> = { "verify-card": verifyCard, "card-key": cardKey };
