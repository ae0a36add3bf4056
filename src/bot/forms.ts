// What a form says when the person types a command in the middle of it, or sends /cancel: each form names
// itself and how to start it again, so a chair who cancels a report is not told to send /start (which opens
// the join form). One name per conversation registered in bot.ts; a test checks none is missing.
import type { BotContext } from "./context.ts";

export const FORM_NAMES = [
  "join",
  "reject-application",
  "poster",
  "invite",
  "members-pick",
  "members-leave",
  "members-import",
  "units-import",
  "report",
  "broadcast",
  "broadcast-edit",
  "target-set",
  "targets-import",
  "correct",
  "correction-refuse",
  "erasure-refuse",
] as const;
export type FormName = (typeof FORM_NAMES)[number];

export function formTexts(name: FormName) {
  return { busy: `forms.${name}.busy`, cancelled: `forms.${name}.cancelled` } as const;
}

const isFormName = (name: string): name is FormName => (FORM_NAMES as readonly string[]).includes(name);

/** The form this person is in the middle of, if any (the newest one when, unusually, several are open). */
export async function openForm(ctx: BotContext): Promise<ReturnType<typeof formTexts> | undefined> {
  const name = Object.keys(await ctx.conversation.active()).findLast(isFormName);
  return name === undefined ? undefined : formTexts(name);
}
