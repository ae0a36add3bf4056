// /poster: the join poster of a grassroots union — the QR code as a photo and the A4 PDF as a document.
// A chair or deputy chair gets their own union's poster at once; an officer (or admin) types part of a
// union's name or code and picks one of the grassroots unions in their scope. The picked union is looked
// up and authorized again before anything is sent, so a stale or forged choice gets nothing.
// The poster and its caption name the channels the bot is on: Telegram, and Zalo when the bot runs there too
// (ZALO_BOT_TOKEN), with the Zalo bot's name (asked of Zalo once, by getMe) and the code to send it.
import type { Conversation } from "@grammyjs/conversations";
import type { Config } from "../../config.ts";
import { ZaloApi } from "../../channels/zalo/api.ts";
import { Composer } from "grammy";
import { fileToSend } from "../../channels/files.ts";
import { tFor } from "../../i18n/i18n.ts";
import { joinLink, posterPdf, posterUnit, qrPng } from "../../organisation/posters.ts";
import { findUnitByCode, GRASSROOTS_TYPES, isGrassroots, searchUnits, type UnitSummary } from "../../organisation/units.ts";
import { authorize, unitsWhere } from "../../policy/policy.ts";
import { cleanText } from "../../shared/text.ts";
import type { BotContext, Deps, InnerContext } from "../context.ts";
import { FormIO, type Parsed } from "../join/form-io.ts";

export const POSTER_CONVERSATION = "poster";
/** Up to this many grassroots unions in scope are offered as buttons straight away; more need a search. */
const LIST_AT_ONCE = 8;
const SEARCH_RESULTS = 8;
const MAX_QUERY = 64;

interface UnitOption {
  id: string;
  name: string;
}

/** What /poster can offer this person. */
type Offer =
  | { kind: "none" }
  | { kind: "closed"; name: string }
  | { kind: "list"; units: UnitOption[] }
  | { kind: "search" };

type Found = { kind: "units"; units: UnitOption[]; more: boolean } | { kind: "closed"; name: string } | { kind: "none" };

const option = (u: UnitSummary): UnitOption => ({ id: u.id, name: u.name });

const zaloNames = new Map<string, string>();

/** The Zalo bot's name (its account name), or null when Zalo does not answer; kept once known. */
async function zaloBotName(config: Config): Promise<string | null> {
  const token = config.ZALO_BOT_TOKEN;
  if (!token) return null;
  const known = zaloNames.get(token);
  if (known) return known;
  const name = await new ZaloApi(token, { apiRoot: config.ZALO_API_ROOT })
    .getMe()
    .then((me) => me.account_name.trim() || null)
    .catch(() => null);
  if (name) zaloNames.set(token, name);
  return name;
}

/** Zalo's part of a poster: null when the bot is on Telegram only. */
async function zaloPart(config: Config, unitCode: string): Promise<{ botName: string | null; unitCode: string } | null> {
  return config.ZALO_BOT_TOKEN ? { botName: await zaloBotName(config), unitCode } : null;
}

/** The grassroots unions a person may get posters for: "everywhere" (admins) or the units themselves. */
async function grassrootsInScope(deps: Deps, personId: string): Promise<"everywhere" | UnitSummary[]> {
  const scope = await unitsWhere(deps.prisma, personId, "poster.create");
  if (scope === "everywhere") return scope;
  if (scope.length === 0) return [];
  return deps.prisma.unit.findMany({
    where: { id: { in: scope }, type: { in: GRASSROOTS_TYPES } },
    select: { id: true, code: true, name: true, type: true, parentId: true, closedAt: true },
    orderBy: { name: "asc" },
  });
}

async function offerFor(deps: Deps, personId: string): Promise<Offer> {
  const units = await grassrootsInScope(deps, personId);
  if (units === "everywhere") return { kind: "search" };
  if (units.length === 0) return { kind: "none" };
  const open = units.filter((u) => !u.closedAt);
  if (open.length === 0) return { kind: "closed", name: units[0]!.name };
  if (open.length <= LIST_AT_ONCE) return { kind: "list", units: open.map(option) };
  return { kind: "search" };
}

async function findInScope(deps: Deps, personId: string, query: string): Promise<Found> {
  const units = await grassrootsInScope(deps, personId);
  const within = units === "everywhere" ? undefined : units.map((u) => u.id);
  const found = await searchUnits(deps.prisma, query, { types: GRASSROOTS_TYPES, limit: SEARCH_RESULTS, within });
  if (found.units.length > 0) return { kind: "units", units: found.units.map(option), more: found.more };
  // A closed union is never offered, but someone typing its exact code deserves to know why.
  const byCode = /^[A-Za-z0-9_-]{1,64}$/.test(query) ? await findUnitByCode(deps.prisma, query) : null;
  if (byCode?.closedAt && isGrassroots(byCode) && (within === undefined || within.includes(byCode.id))) {
    return { kind: "closed", name: byCode.name };
  }
  return { kind: "none" };
}

/** Looks the union up, authorizes, and sends the QR photo and the PDF; otherwise says why not. */
async function deliverPoster(ctx: BotContext, unitId: string): Promise<void> {
  const { prisma } = ctx.deps;
  const unit = await posterUnit(prisma, unitId);
  if (!unit || !(await authorize(prisma, ctx.person.id, "poster.create", unit.id))) {
    await ctx.reply(ctx.t("posters.not_allowed"));
    return;
  }
  if (!isGrassroots(unit)) {
    await ctx.reply(ctx.t("posters.not_grassroots"));
    return;
  }
  if (unit.closedAt) {
    await ctx.reply(ctx.t("posters.closed", { unit: unit.name }));
    return;
  }
  await ctx.replyWithChatAction("upload_document").catch(() => undefined);
  const link = joinLink(ctx.me.username, unit.code);
  const qr = await qrPng(link);
  const zalo = await zaloPart(ctx.deps.config, unit.code);
  const pdf = await posterPdf({ unitName: unit.name, parentName: unit.parentName, link, qr, zalo });
  const caption = [ctx.t("posters.caption", { unit: unit.name, link })];
  if (zalo) {
    caption.push(
      zalo.botName
        ? ctx.t("posters.caption_zalo", { name: zalo.botName, code: zalo.unitCode })
        : ctx.t("posters.caption_zalo_unnamed", { code: zalo.unitCode }),
    );
  }
  await ctx.replyWithPhoto(fileToSend(qr, `qr-${unit.code}.png`), { caption: caption.join("\n") });
  await ctx.replyWithDocument(fileToSend(pdf, `poster-${unit.code}.pdf`), {
    caption: ctx.t("posters.document_caption", { unit: unit.name }),
  });
}

function parseQuery(raw: string): Parsed<string> {
  const query = cleanText(raw);
  if (query.length < 2) return { ok: false, error: { key: "posters.query_too_short" } };
  if (query.length > MAX_QUERY) return { ok: false, error: { key: "posters.query_too_long", params: { max: MAX_QUERY } } };
  return { ok: true, value: query };
}

export function createPosterConversation(deps: Deps) {
  return async function poster(conversation: Conversation<BotContext, InnerContext>, ctx: InnerContext, typed?: string) {
    const actor = await conversation.external((outer) => ({ personId: outer.person.id, lang: outer.lang }));
    const io = new FormIO(conversation, ctx, tFor(actor.lang));
    const deliver = (unitId: string) => conversation.external((outer) => deliverPoster(outer, unitId));

    const offer = await conversation.external(() => offerFor(deps, actor.personId));
    if (offer.kind === "none") return io.say(io.t("posters.forbidden"));
    if (offer.kind === "closed") return io.say(io.t("posters.closed", { unit: offer.name }));
    if (offer.kind === "list" && !typed) {
      if (offer.units.length === 1) return deliver(offer.units[0]!.id);
      const picked = await io.choice(
        io.t("posters.pick"),
        offer.units.map((u) => [{ value: u.id, label: u.name }]),
      );
      return deliver(picked);
    }

    let query: string | undefined;
    if (typed) {
      const parsed = parseQuery(typed);
      if (parsed.ok) query = parsed.value;
      else await io.say(io.t(parsed.error.key, parsed.error.params));
    }
    for (;;) {
      query ??= await io.text(io.t("posters.ask_query"), parseQuery);
      const q = query;
      query = undefined;
      const found = await conversation.external(() => findInScope(deps, actor.personId, q));
      if (found.kind === "closed") {
        await io.say(io.t("posters.closed", { unit: found.name }));
        continue;
      }
      if (found.kind === "none") {
        await io.say(io.t("posters.none_found", { query: q }));
        continue;
      }
      const question = found.more ? io.t("posters.pick_more", { count: found.units.length }) : io.t("posters.pick");
      const picked = await io.choice(question, [
        ...found.units.map((u) => [{ value: u.id, label: u.name }]),
        [{ value: "again", label: io.t("posters.search_again") }],
      ]);
      if (picked !== "again") return deliver(picked);
    }
  };
}

export function createPostersFeature() {
  const feature = new Composer<BotContext>();
  feature.chatType("private").command("poster", async (ctx) => {
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(POSTER_CONVERSATION, ctx.match.trim() || undefined);
  });
  return feature;
}
