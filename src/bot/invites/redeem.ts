// Opening an invite link (/start inv_<token>): the role is granted, or the person is told exactly why
// not (expired, used, revoked, forged) and nothing is granted. On success their command menu is
// refreshed and the officer who created the link is told it was used.
import { GrammyError } from "grammy";
import { tFor } from "../../i18n/i18n.ts";
import { redeemInvite } from "../../organisation/invites.ts";
import { cleanText, truncate } from "../../shared/text.ts";
import { refreshMenu } from "../commands.ts";
import type { BotContext } from "../context.ts";
import { recipientOf, sendToRecipient } from "../send.ts";

export async function openInvite(ctx: BotContext, token: string): Promise<void> {
  const { prisma, logger } = ctx.deps;
  const result = await redeemInvite(prisma, { token, personId: ctx.person.id });
  if (!result.ok) {
    await ctx.reply(ctx.t(`invites.redeem.${result.reason}`));
    return;
  }
  const role = ctx.t(`invites.roles.${result.role}`);
  await ctx.reply(
    result.alreadyHeld
      ? ctx.t("invites.redeem.already", { role, unit: result.unit.name })
      : ctx.t(`invites.redeem.done.${result.role}`, { unit: result.unit.name }),
  );
  const deps = { api: ctx.api, prisma, logger };
  await refreshMenu(deps, ctx.person.id);

  if (result.createdById === ctx.person.id) return;
  try {
    const officer = await recipientOf(prisma, result.createdById);
    if (!officer) return;
    const t = tFor(officer.lang);
    const from = ctx.from;
    const name = truncate(cleanText([from?.first_name, from?.last_name].filter(Boolean).join(" ")), 64);
    await sendToRecipient(deps, officer, t("invites.used_notice", { role: t(`invites.roles.${result.role}`), unit: result.unit.name, name }));
  } catch (error) {
    // The role is granted either way; the notice is a courtesy.
    const code = error instanceof GrammyError ? error.error_code : undefined;
    logger.warn({ personId: result.createdById, code }, "could not tell the officer that an invite was used");
  }
}
