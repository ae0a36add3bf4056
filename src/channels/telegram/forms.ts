// What a form says when the person types a command in the middle of it, or sends /cancel: each form names
// itself and how to start it again, so a chair who cancels a report is not told to send /start (which opens
// the join form). One row per conversation registered in bot.ts; a test checks none is missing.
import type { BotContext } from "./context.ts";

export const FORM_TEXTS: Record<string, { busy: string; cancelled: string }> = {
  join: { busy: "forms.join.busy", cancelled: "forms.join.cancelled" },
  "reject-application": { busy: "forms.reject-application.busy", cancelled: "forms.reject-application.cancelled" },
  poster: { busy: "forms.poster.busy", cancelled: "forms.poster.cancelled" },
  invite: { busy: "forms.invite.busy", cancelled: "forms.invite.cancelled" },
  "members-pick": { busy: "forms.members-pick.busy", cancelled: "forms.members-pick.cancelled" },
  "members-leave": { busy: "forms.members-leave.busy", cancelled: "forms.members-leave.cancelled" },
  "members-import": { busy: "forms.members-import.busy", cancelled: "forms.members-import.cancelled" },
  "units-import": { busy: "forms.units-import.busy", cancelled: "forms.units-import.cancelled" },
  report: { busy: "forms.report.busy", cancelled: "forms.report.cancelled" },
  broadcast: { busy: "forms.broadcast.busy", cancelled: "forms.broadcast.cancelled" },
  "broadcast-edit": { busy: "forms.broadcast-edit.busy", cancelled: "forms.broadcast-edit.cancelled" },
  "target-set": { busy: "forms.target-set.busy", cancelled: "forms.target-set.cancelled" },
  "targets-import": { busy: "forms.targets-import.busy", cancelled: "forms.targets-import.cancelled" },
};

/** The form this person is in the middle of, if any (the newest one when, unusually, several are open). */
export async function openForm(ctx: BotContext): Promise<{ busy: string; cancelled: string } | undefined> {
  const names = Object.keys(await ctx.conversation.active());
  const name = names[names.length - 1];
  return name === undefined ? undefined : FORM_TEXTS[name];
}
