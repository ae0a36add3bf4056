// /invite: an officer (or admin) picks a role, a unit within their scope and how long the link stays
// valid, and gets a one-time link t.me/<bot>?start=inv_<token>. The token never enters the stored
// conversation state: the invite is created and the link sent inside one `external` call.
import type { Conversation } from "@grammyjs/conversations";
import { tFor } from "../../i18n/i18n.ts";
import { createInvite, INVITE_ROLES, type InviteRole } from "../../organisation/invites.ts";
import { GRASSROOTS_TYPES, searchUnits, UPPER_TYPES } from "../../organisation/units.ts";
import { unitsWhere } from "../../policy/policy.ts";
import { cleanText, truncate } from "../../shared/text.ts";
import type { PrismaClient } from "../../db/database.ts";
import type { BotContext, Deps, InnerContext } from "../context.ts";
import { FormIO, type Parsed } from "../join/form-io.ts";
import { formatInviteTime, INVITE_LINK_PREFIX } from "./format.ts";

export const INVITE_CONVERSATION = "invite";
const SEARCH_RESULTS = 8;
const MAX_QUERY = 60;
export const VALIDITY_HOURS = [24, 72, 168] as const;

interface UnitOption {
  id: string;
  code: string;
  name: string;
}

function queryParser(raw: string): Parsed<string> {
  const query = cleanText(raw);
  if (query.length < 2) return { ok: false, error: { key: "invites.query_too_short" } };
  if (query.length > MAX_QUERY) return { ok: false, error: { key: "invites.query_too_long", params: { max: MAX_QUERY } } };
  return { ok: true, value: query };
}

/** Open units matching the query within the actor's scope for invites; grassroots only for chairs and deputies. */
export async function searchInviteUnits(
  prisma: PrismaClient,
  actorId: string,
  role: InviteRole,
  query: string,
): Promise<{ units: UnitOption[]; more: boolean }> {
  const scope = await unitsWhere(prisma, actorId, "invite.create");
  if (scope !== "everywhere" && scope.length === 0) return { units: [], more: false };
  const found = await searchUnits(prisma, query, {
    types: role === "OFFICER" ? [...UPPER_TYPES, ...GRASSROOTS_TYPES] : GRASSROOTS_TYPES,
    limit: SEARCH_RESULTS,
    within: scope === "everywhere" ? undefined : scope,
  });
  return { units: found.units.map((u) => ({ id: u.id, code: u.code, name: u.name })), more: found.more };
}

export function createInviteConversation(deps: Deps) {
  const { prisma } = deps;
  return async function invite(conversation: Conversation<BotContext, InnerContext>, ctx: InnerContext) {
    const actor = await conversation.external((outer) => ({
      personId: outer.person.id,
      lang: outer.lang,
      botUsername: outer.me.username,
    }));
    const io = new FormIO(conversation, ctx, tFor(actor.lang));
    const t = io.t;

    const role = await io.choice<InviteRole>(
      t("invites.ask_role"),
      INVITE_ROLES.map((r) => [{ value: r, label: t(`invites.roles.${r}`) }]),
    );

    let unit: UnitOption | undefined;
    const ask = role === "OFFICER" ? t("invites.ask_unit") : t("invites.ask_unit_grassroots");
    while (!unit) {
      const query = await io.text(ask, queryParser);
      const found = await conversation.external(() => searchInviteUnits(prisma, actor.personId, role, query));
      if (found.units.length === 0) {
        await io.say(t("invites.unit_none", { query }));
        continue;
      }
      const intro = found.more ? `${t("invites.unit_pick")}\n${t("invites.unit_more")}` : t("invites.unit_pick");
      const picked = await io.choice(intro, [
        ...found.units.map((u) => [{ value: u.id, label: `${truncate(u.name, 48)} · ${u.code}` }]),
        [{ value: "again", label: t("invites.search_again") }],
      ]);
      unit = found.units.find((u) => u.id === picked);
    }

    const hours = await io.choice(t("invites.ask_validity"), [
      VALIDITY_HOURS.map((h) => ({ value: String(h) as `${(typeof VALIDITY_HOURS)[number]}`, label: t(`invites.validity.${h}`) })),
    ]);

    const chosen = unit;
    await conversation.external(async (outer) => {
      // Created and sent here, so the token is never part of the stored conversation.
      const result = await createInvite(prisma, { actorId: actor.personId, role, unitId: chosen.id, ttlHours: Number(hours) });
      if (!result.ok) {
        await outer.reply(t(`invites.create_failed.${result.reason}`));
        return;
      }
      await outer.reply(
        t("invites.created", {
          role: t(`invites.roles.${role}`),
          unit: result.unit.name,
          link: `https://t.me/${actor.botUsername}?start=${INVITE_LINK_PREFIX}${result.token}`,
          expires: formatInviteTime(result.expiresAt),
        }),
        { link_preview_options: { is_disabled: true } },
      );
    });
  };
}
