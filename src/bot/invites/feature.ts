// /invite starts the invite conversation; /invites lists the invites within the actor's scope with a
// Revoke button under pending ones. Button data (the invite id) is never trusted: the invite is looked
// up and the presser authorized again, and revoking is a compare-and-set, so a stale or forged button
// changes nothing.
import { Composer, InlineKeyboard } from "grammy";
import type { T } from "../../i18n/i18n.ts";
import { listInvites, revokeInvite, type InviteSummary } from "../../organisation/invites.ts";
import { unitsWhere } from "../../policy/policy.ts";
import type { BotContext, Deps } from "../context.ts";
import { INVITE_CONVERSATION } from "./conversation.ts";
import { formatInviteTime } from "./format.ts";

const REVOKE_DATA = /^invrv:([a-z0-9]{20,32})$/;
const LIST_SIZE = 15;

function statusLine(invite: InviteSummary, t: T): string {
  switch (invite.status) {
    case "pending":
      return t("invites.status.pending", { expires: formatInviteTime(invite.expiresAt) });
    case "expired":
      return t("invites.status.expired", { expires: formatInviteTime(invite.expiresAt) });
    case "used":
      return t("invites.status.used", { at: formatInviteTime(invite.usedAt ?? invite.expiresAt) });
    case "revoked":
      return t("invites.status.revoked", { at: formatInviteTime(invite.revokedAt ?? invite.expiresAt) });
  }
}

/** The list as a message: numbered lines, and a Revoke button (by number) for each pending invite. */
export function renderInviteList(invites: InviteSummary[], t: T): { text: string; keyboard: InlineKeyboard } {
  const keyboard = new InlineKeyboard();
  if (invites.length === 0) return { text: t("invites.list.empty"), keyboard };
  const lines = invites.map((invite, i) =>
    t("invites.list.item", {
      n: i + 1,
      role: t(`invites.roles.${invite.role}`),
      unit: invite.unit.name,
      code: invite.unit.code,
      status: statusLine(invite, t),
    }),
  );
  invites.forEach((invite, i) => {
    if (invite.status === "pending") keyboard.text(t("invites.list.revoke_button", { n: i + 1 }), `invrv:${invite.id}`).row();
  });
  return { text: `${t("invites.list.title")}\n\n${lines.join("\n\n")}`, keyboard };
}

async function mayInvite(deps: Deps, personId: string): Promise<boolean> {
  const scope = await unitsWhere(deps.prisma, personId, "invite.create");
  return scope === "everywhere" || scope.length > 0;
}

export function createInvitesFeature(deps: Deps) {
  const feature = new Composer<BotContext>();
  const privateChats = feature.chatType("private");

  privateChats.command("invite", async (ctx) => {
    if (!(await mayInvite(deps, ctx.person.id))) return ctx.reply(ctx.t("invites.not_allowed"));
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(INVITE_CONVERSATION);
  });

  privateChats.command("invites", async (ctx) => {
    if (!(await mayInvite(deps, ctx.person.id))) return ctx.reply(ctx.t("invites.not_allowed"));
    const { text, keyboard } = renderInviteList(await listInvites(deps.prisma, { actorId: ctx.person.id, limit: LIST_SIZE }), ctx.t);
    await ctx.reply(text, { reply_markup: keyboard });
  });

  feature.callbackQuery(REVOKE_DATA, async (ctx) => {
    const inviteId = (ctx.match as RegExpMatchArray)[1];
    if (!inviteId) return;
    const result = await revokeInvite(deps.prisma, { actorId: ctx.person.id, inviteId });
    if (!result.ok && (result.reason === "not_found" || result.reason === "forbidden")) {
      return ctx.answerCallbackQuery({ text: ctx.t(`invites.revoke.${result.reason}`), show_alert: true });
    }
    await ctx.answerCallbackQuery({ text: ctx.t(result.ok ? "invites.revoke.done" : `invites.revoke.${result.reason}`), show_alert: !result.ok });
    // Show the list as it is now, so the button of a revoked (or used, or expired) link disappears.
    const { text, keyboard } = renderInviteList(await listInvites(deps.prisma, { actorId: ctx.person.id, limit: LIST_SIZE }), ctx.t);
    await ctx.editMessageText(text, { reply_markup: keyboard }).catch(() => undefined);
  });

  return feature;
}
