// /link and /unlink: one person on several chat apps. /link shows a one-time code; /link <code> on another app joins
// the two; /unlink separates them again. The other app is told of a join (a code read over a shoulder should not join
// unnoticed), and the chairs are told when two records met that a person cannot keep both of.
import { Composer, InlineKeyboard } from "grammy";
import { addressOf } from "../../channels/address.ts";
import { CHANNELS } from "../../channels/capabilities.ts";
import type { Channel } from "../../generated/prisma/client.ts";
import { tFor, type T } from "../../i18n/i18n.ts";
import { formatApplicationRef, formatMemberNumber } from "../../membership/numbers.ts";
import { deciderLevels } from "../../membership/pending.ts";
import { channelsOf, formatLinkCode, issueLinkCode, LINK_CODE_TTL_MS, redeemLinkCode, unlink, WRONG_CODE_WINDOW_MS, type Joined } from "../../privacy/link.ts";
import { refreshMenu } from "../commands.ts";
import type { BotContext, Deps } from "../context.ts";
import { recipientsOf, sendToRecipient, type Recipient } from "../send.ts";

const CHOOSE_DATA = /^ul:(TELEGRAM|ZALO|WEB)$/;
const CONFIRM_DATA = /^ul:(TELEGRAM|ZALO|WEB):ok$/;
const CANCEL_DATA = "ul:x";

const channelNames = (channels: readonly Channel[], t: T) => channels.map((c) => CHANNELS[c].name(t)).join(", ");

/** What the person reads after a join: the channels now one, and what happened to a second record. */
function joinedMessage(joined: Joined, t: T): string {
  const lines = [t("link.joined", { channels: channelNames(joined.channels, t) })];
  if (joined.bothPending) {
    lines.push(t("link.both_pending", { kept: formatApplicationRef(joined.bothPending.kept.ref), withdrawn: formatApplicationRef(joined.bothPending.withdrawn.ref) }));
  }
  if (joined.withdrawnForMember) {
    lines.push(
      t("link.pending_withdrawn_member", {
        refs: joined.withdrawnForMember.withdrawn.map((w) => formatApplicationRef(w.ref)).join(", "),
        number: formatMemberNumber(joined.withdrawnForMember.member.number),
      }),
    );
  }
  if (joined.bothMembers) {
    lines.push(t("link.both_members", { kept: formatMemberNumber(joined.bothMembers.kept.number), other: formatMemberNumber(joined.bothMembers.other.number) }));
  }
  return lines.join("\n\n");
}

/** The people who decide for a union (its chairs, else the officers above it): one message each, in their language. */
async function tellDeciders(deps: Deps & { api: BotContext["api"] }, unitIds: string[], text: (t: T) => string): Promise<void> {
  const personIds = new Set<string>();
  for (const unitId of new Set(unitIds)) {
    for (const id of (await deciderLevels(deps.prisma, unitId))[0]?.personIds ?? []) personIds.add(id);
  }
  const recipients = await recipientsOf(deps.prisma, [...personIds]);
  for (const recipient of recipients.values()) await sendToRecipient(deps, recipient, text(tFor(recipient.lang)));
}

async function tellChairs(deps: Deps & { api: BotContext["api"] }, joined: Joined): Promise<void> {
  if (joined.bothPending) {
    const { kept, withdrawn } = joined.bothPending;
    const refs = { kept: formatApplicationRef(kept.ref), withdrawn: formatApplicationRef(withdrawn.ref) };
    await tellDeciders(deps, [kept.routedUnitId, withdrawn.routedUnitId], (t) => t("link.chair_both_pending", refs));
  }
  if (joined.withdrawnForMember) {
    const { withdrawn, member } = joined.withdrawnForMember;
    const refs = withdrawn.map((w) => formatApplicationRef(w.ref)).join(", ");
    await tellDeciders(deps, withdrawn.map((w) => w.routedUnitId), (t) => t("link.chair_pending_withdrawn", { refs, number: formatMemberNumber(member.number) }));
  }
  if (joined.bothMembers) {
    const { kept, other } = joined.bothMembers;
    const numbers = { kept: formatMemberNumber(kept.number), other: formatMemberNumber(other.number) };
    await tellDeciders(deps, [kept.unitId, other.unitId], (t) => t("link.chair_both_members", numbers));
  }
}

export function createLinkFeature(deps: Deps) {
  const { prisma } = deps;
  const feature = new Composer<BotContext>();
  const chat = feature.chatType("private");

  chat.command("link", async (ctx) => {
    const here = addressOf(ctx.from.id);
    const typed = ctx.match.trim();
    if (!typed) {
      const issued = await issueLinkCode(prisma, ctx.person.id, here.channel);
      if (!issued.ok) return ctx.reply(ctx.t(issued.reason));
      return ctx.reply(ctx.t("link.code", { code: formatLinkCode(issued.code), minutes: LINK_CODE_TTL_MS / 60_000 }));
    }
    const result = await redeemLinkCode(prisma, { code: typed, identity: here });
    if (!result.ok) return ctx.reply(ctx.t(result.reason, { minutes: WRONG_CODE_WINDOW_MS / 60_000 }));
    const api = ctx.api;
    await ctx.reply(joinedMessage(result, ctx.t));
    // Their other apps hear of it where they are, so a join they did not make does not go unnoticed.
    const others = await prisma.chatIdentity.findMany({
      where: { personId: result.personId, NOT: { channel: here.channel, externalId: here.externalId } },
      select: { channel: true, chatId: true, externalId: true, person: { select: { language: true } } },
    });
    for (const other of others) {
      const recipient: Recipient = { personId: result.personId, channel: other.channel, chatId: other.chatId, externalId: other.externalId, lang: other.person.language };
      const t = tFor(recipient.lang);
      await sendToRecipient({ ...deps, api }, recipient, t("link.joined_elsewhere", { channel: CHANNELS[here.channel].name(t) }));
    }
    await tellChairs({ ...deps, api }, result);
    if (result.rolesMoved) {
      await refreshMenu({ ...deps, api }, result.personId);
      await refreshMenu({ ...deps, api }, result.mergedPersonId);
    }
  });

  chat.command("unlink", async (ctx) => {
    const channels = await channelsOf(prisma, ctx.person.id);
    if (channels.length < 2) return ctx.reply(ctx.t("link.unlink_nothing"));
    const keyboard = new InlineKeyboard();
    for (const channel of channels) keyboard.text(CHANNELS[channel].name(ctx.t), `ul:${channel}`).row();
    keyboard.text(ctx.t("link.cancel"), CANCEL_DATA);
    await ctx.reply(ctx.t("link.unlink_choose", { channels: channelNames(channels, ctx.t) }), { reply_markup: keyboard });
  });

  feature.callbackQuery(CHOOSE_DATA, async (ctx) => {
    const channel = (ctx.match as RegExpMatchArray)[1] as Channel;
    await ctx.answerCallbackQuery();
    await ctx.editMessageReplyMarkup({ reply_markup: new InlineKeyboard() }).catch(() => undefined);
    const channels = await channelsOf(prisma, ctx.person.id);
    if (channels.length < 2 || !channels.includes(channel)) return ctx.reply(ctx.t("link.unlink_stale"));
    const keyboard = new InlineKeyboard().text(ctx.t("link.unlink_yes"), `ul:${channel}:ok`).row().text(ctx.t("link.cancel"), CANCEL_DATA);
    await ctx.reply(ctx.t("link.unlink_confirm", { channel: CHANNELS[channel].name(ctx.t) }), { reply_markup: keyboard });
  });

  feature.callbackQuery(CONFIRM_DATA, async (ctx) => {
    const channel = (ctx.match as RegExpMatchArray)[1] as Channel;
    await ctx.answerCallbackQuery();
    await ctx.editMessageReplyMarkup({ reply_markup: new InlineKeyboard() }).catch(() => undefined);
    const result = await unlink(prisma, { personId: ctx.person.id, channel });
    if (!result.ok) return ctx.reply(ctx.t("link.unlink_stale"));
    await ctx.reply(ctx.t("link.unlinked", { channel: CHANNELS[channel].name(ctx.t), remaining: channelNames(result.remaining, ctx.t) }));
    await refreshMenu({ ...deps, api: ctx.api }, result.newPersonId);
  });

  feature.callbackQuery(CANCEL_DATA, async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.editMessageReplyMarkup({ reply_markup: new InlineKeyboard() }).catch(() => undefined);
    await ctx.reply(ctx.t("link.unlink_cancelled"));
  });

  return feature;
}
