// The command menu Telegram shows next to the message box, in each person's language.
import type { Api } from "grammy";
import { DEFAULT_LANG, LANGUAGES, tFor } from "../../i18n/i18n.ts";

export const PUBLIC_COMMANDS = ["start", "status", "language", "cancel", "help"] as const;

export async function publishCommands(api: Api): Promise<void> {
  for (const lang of LANGUAGES) {
    const t = tFor(lang);
    const commands = PUBLIC_COMMANDS.map((command) => ({ command, description: t(`commands.${command}`) }));
    // The default list (no language) is Vietnamese; Telegram picks the language-specific one when it exists.
    await api.setMyCommands(commands, lang === DEFAULT_LANG ? {} : { language_code: lang });
  }
}
