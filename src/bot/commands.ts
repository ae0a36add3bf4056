// The command menu Telegram shows next to the message box, in each person's language.
import { CHANNEL_ORDER, CHANNELS } from "../channels/capabilities.ts";
import { GrammyError, type Api } from "grammy";
import type { BotCommand } from "grammy/types";
import type { PrismaClient } from "../db/database.ts";
import type { Role } from "../generated/prisma/client.ts";
import { DEFAULT_LANG, isLang, LANGUAGES, tFor, type Lang } from "../i18n/i18n.ts";
import type { Logger } from "../logger.ts";

export const PUBLIC_COMMANDS = ["start", "status", "card", "language", "stop", "cancel", "help", "mydata", "correct", "withdraw", "delete_my_data", "link", "unlink"] as const;

/**
 * Commands shown, in addition to the public ones, to people holding a role: ONE row per command, in menu
 * order, with its description's translation key and the roles that see it. Add a row when a command for
 * a role exists in the bot (a deputy chair sees what a chair sees). Admins see everything here.
 */
export const ROLE_COMMANDS: readonly { command: string; description: string; roles: readonly Role[] }[] = [
  { command: "invite", description: "invites.commands.invite", roles: ["OFFICER", "ADMIN"] },
  { command: "invites", description: "invites.commands.invites", roles: ["OFFICER", "ADMIN"] },
  { command: "poster", description: "posters.commands.poster", roles: ["CHAIR", "OFFICER", "ADMIN"] },
  { command: "applications", description: "applications.commands.applications", roles: ["CHAIR", "OFFICER", "ADMIN"] },
  { command: "members", description: "members.commands.members", roles: ["CHAIR", "OFFICER", "ADMIN"] },
  { command: "import_members", description: "members.commands.import_members", roles: ["CHAIR", "OFFICER", "ADMIN"] },
  { command: "report", description: "reports.commands.report", roles: ["CHAIR", "OFFICER"] },
  { command: "import_units", description: "units.chat.commands.import_units", roles: ["OFFICER", "ADMIN"] },
  { command: "export_units", description: "units.chat.commands.export_units", roles: ["OFFICER", "ADMIN"] },
  { command: "units_template", description: "units.chat.commands.units_template", roles: ["OFFICER", "ADMIN"] },
  { command: "report_status", description: "reminders.commands.report_status", roles: ["OFFICER", "ADMIN"] },
  { command: "reminders", description: "reminders.commands.reminders", roles: ["CHAIR", "OFFICER", "ADMIN"] },
  { command: "targets", description: "targets.commands.targets", roles: ["CHAIR", "OFFICER", "ADMIN"] },
  { command: "summary", description: "summary.commands.summary", roles: ["CHAIR", "OFFICER", "ADMIN"] },
  { command: "export", description: "summary.commands.export", roles: ["CHAIR", "OFFICER", "ADMIN"] },
  { command: "set_target", description: "targets.commands.set_target", roles: ["OFFICER", "ADMIN"] },
  { command: "import_targets", description: "targets.commands.import_targets", roles: ["OFFICER", "ADMIN"] },
  { command: "targets_template", description: "targets.commands.targets_template", roles: ["OFFICER", "ADMIN"] },
  { command: "broadcast", description: "broadcasts.commands.broadcast", roles: ["OFFICER", "ADMIN"] },
  { command: "broadcasts", description: "broadcasts.commands.broadcasts", roles: ["OFFICER", "ADMIN"] },
  { command: "audit", description: "audit.commands.audit", roles: ["ADMIN"] },
  { command: "audit_export", description: "audit.commands.audit_export", roles: ["ADMIN"] },
];

/** The menu of a person with these roles, in their language. */
export function menuFor(roles: readonly Role[], lang: Lang): BotCommand[] {
  const t = tFor(lang);
  const held = new Set<Role>(roles);
  if (held.has("DEPUTY_CHAIR")) held.add("CHAIR");
  const extra = ROLE_COMMANDS.filter((row) => held.has("ADMIN") || row.roles.some((role) => held.has(role)));
  const menu: BotCommand[] = PUBLIC_COMMANDS.map((command) => ({ command, description: t(`commands.${command}`) }));
  for (const row of extra) {
    // Telegram refuses a list that names a command twice.
    if (!menu.some((c) => c.command === row.command)) menu.push({ command: row.command, description: t(row.description) });
  }
  return menu;
}

/**
 * Sets one person's menu (Telegram: commands for the scope of their private chat, which wins over the
 * default list whatever their app's language): their roles' commands in the language they chose. A
 * person without roles gets the default list back. Telegram refuses chats the bot cannot reach; that is
 * logged (by person id only) and otherwise ignored.
 */
const MENU_CHANNELS = CHANNEL_ORDER.filter((c) => CHANNELS[c].personalMenus);

export async function refreshMenu(deps: { api: Api; prisma: PrismaClient; logger: Logger }, personId: string): Promise<void> {
  const person = await deps.prisma.person.findUnique({
    where: { id: personId },
    select: { language: true, roles: { select: { role: true } }, identities: { where: { channel: { in: MENU_CHANNELS } }, select: { chatId: true } } },
  });
  const chatId = person?.identities[0]?.chatId;
  if (!person || !chatId) return;
  // Telegram's chat ids are numbers (see src/channels/address.ts).
  const scope = { type: "chat" as const, chat_id: /^-?\d+$/.test(chatId) ? Number(chatId) : chatId };
  try {
    if (person.roles.length === 0) await deps.api.deleteMyCommands({ scope });
    else await deps.api.setMyCommands(menuFor(person.roles.map((r) => r.role), isLang(person.language) ? person.language : DEFAULT_LANG), { scope });
  } catch (error) {
    const detail = error instanceof GrammyError ? { code: error.error_code, description: error.description } : { error: String(error) };
    deps.logger.warn({ personId, ...detail }, "could not set the command menu of a person");
  }
}

/** At start: the menus of role holders (at most `limit`, paced so as not to hit Telegram's limits). */
export async function refreshRoleMenus(
  deps: { api: Api; prisma: PrismaClient; logger: Logger },
  options: { limit?: number; pauseMs?: number; signal?: AbortSignal } = {},
): Promise<number> {
  const holders = await deps.prisma.roleGrant.findMany({
    distinct: ["personId"],
    select: { personId: true },
    orderBy: { personId: "asc" },
    take: options.limit ?? 300,
  });
  let done = 0;
  for (const { personId } of holders) {
    if (options.signal?.aborted) break;
    await refreshMenu(deps, personId);
    done++;
    await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 100));
  }
  return done;
}

export async function publishCommands(api: Api): Promise<void> {
  for (const lang of LANGUAGES) {
    const t = tFor(lang);
    const commands = PUBLIC_COMMANDS.map((command) => ({ command, description: t(`commands.${command}`) }));
    // The default list (no language) is Vietnamese; Telegram picks the language-specific one when it exists.
    await api.setMyCommands(commands, lang === DEFAULT_LANG ? {} : { language_code: lang });
  }
}
