// /status: where the person stands (no application, pending, member, rejected), any time.
import { Composer } from "grammy";
import type { T } from "../../i18n/i18n.ts";
import { standingOf, type Standing } from "../../membership/applications.ts";
import { formatApplicationRef, formatMemberNumber } from "../../membership/numbers.ts";
import { formatVietnamDate } from "../../shared/time.ts";
import type { BotContext } from "../context.ts";

/** Dates may arrive as ISO strings when the standing came through conversation storage. */
export function standingMessage(standing: Standing, t: T): string {
  switch (standing.kind) {
    case "pending":
      return t("status.pending", {
        ref: formatApplicationRef(standing.ref),
        unit: standing.unitName,
        date: formatVietnamDate(new Date(standing.createdAt)),
      });
    case "member":
      return memberCard(standing, t);
    case "rejected":
      return t("status.rejected", {
        ref: formatApplicationRef(standing.ref),
        reason: standing.reason ?? "—",
      });
    default:
      return t("status.none");
  }
}

/** The electronic member card (thẻ đoàn viên) as a message. */
export function memberCard(member: { number: number; fullName: string; unitName: string; joinedAt: Date | string }, t: T): string {
  return t("status.member_card", {
    number: formatMemberNumber(member.number),
    name: member.fullName,
    unit: member.unitName,
    date: formatVietnamDate(new Date(member.joinedAt)),
  });
}

export const statusFeature = new Composer<BotContext>();

statusFeature.chatType("private").command("status", async (ctx) => {
  const standing = await standingOf(ctx.deps.prisma, { personId: ctx.person.id });
  const text = standingMessage(standing, ctx.t);
  await ctx.reply(standing.kind === "member" ? `${text}\n\n${ctx.t("card.status_hint")}` : text);
});
