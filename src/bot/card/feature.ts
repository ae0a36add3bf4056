// /card: a member's card, any time (it is also sent on approval, see ../decision/notify-applicant.ts).
import { Composer } from "grammy";
import { cardSettings } from "../../cards/card.ts";
import { addressOf } from "../../channels/address.ts";
import type { BotContext, Deps } from "../context.ts";
import { cardMessage } from "./card-message.ts";

export function createCardFeature(deps: Deps) {
  const feature = new Composer<BotContext>();
  feature.chatType("private").command("card", async (ctx) => {
    const { channel } = addressOf(ctx.chat.id);
    const card = await cardMessage(deps.prisma, cardSettings(deps.config), ctx.person.id, channel, ctx.t);
    if (!card) return ctx.reply(ctx.t("card.not_member"));
    if (card.photo) return ctx.replyWithPhoto(card.photo, { caption: card.text });
    return ctx.reply(card.text);
  });
  return feature;
}
