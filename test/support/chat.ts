// Plays one Telegram user in a test: types, taps buttons, and waits for what the bot says.
import type { Message } from "grammy/types";
import { tFor, type Lang } from "../../src/i18n/i18n.ts";
import type { FakeTelegram, TestUser } from "../fake-telegram/server.ts";

export class Chat {
  readonly t;

  constructor(
    readonly fake: FakeTelegram,
    readonly user: TestUser,
    lang: Lang = "vi",
  ) {
    this.t = tFor(lang);
  }

  send(text: string) {
    return this.fake.sendText(this.user, text);
  }

  /** Waits for the next message (or edit) whose text matches, skipping others; returns it. */
  async expect(match: string | RegExp, timeoutMs = 8_000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    const seen: string[] = [];
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(`no message matching ${String(match)}; seen:\n${seen.map((s) => `  - ${s}`).join("\n")}`);
      }
      const message = await this.fake.nextMessageTo(this.user, { timeoutMs: remaining }).catch((error: Error) => {
        throw new Error(`no message matching ${String(match)}; seen:\n${seen.map((s) => `  - ${s}`).join("\n")}\n${error.message}`);
      });
      const text = message.text ?? message.caption ?? "";
      if (typeof match === "string" ? text.includes(match) : match.test(text)) return message;
      seen.push(text.slice(0, 120).replace(/\n/g, " | "));
    }
  }

  /** Taps the button with this label on the newest message that shows one. */
  press(label: string) {
    const messages = this.fake.messagesTo(this.user);
    for (let i = messages.length - 1; i >= 0; i--) {
      const message = messages[i];
      const rows = message?.reply_markup?.inline_keyboard ?? [];
      const button = rows.flat().find((b) => b.text === label);
      if (message && button && "callback_data" in button) {
        return this.fake.pressButton(this.user, message, button.callback_data);
      }
    }
    throw new Error(`no button "${label}" in the chat`);
  }

  /** Sends a text and waits for the bot's answer to contain `reply`. */
  async answer(text: string, reply: string | RegExp) {
    this.send(text);
    return this.expect(reply);
  }

  /** Taps a button and waits for the bot's next message to contain `reply`. */
  async choose(label: string, reply: string | RegExp) {
    this.press(label);
    return this.expect(reply);
  }
}
