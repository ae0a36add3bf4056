// Asking one question in a conversation and insisting, politely, until the answer is valid.
// Whatever arrives instead (a sticker, a photo, a command, a button from an older message, forged
// button data) gets a specific reply and the question again; nothing crashes and nothing is lost.
import type { Conversation } from "@grammyjs/conversations";
import { InlineKeyboard, Keyboard } from "grammy";
import type { InlineKeyboardMarkup, ReplyKeyboardMarkup } from "grammy/types";
import type { T } from "../../i18n/i18n.ts";
import type { BotContext, InnerContext } from "../context.ts";

export type Parsed<V> = { ok: true; value: V } | { ok: false; error: { key: string; params?: Record<string, unknown> } };

export interface Choice<V extends string> {
  value: V;
  label: string;
}

/** Button data is "f<prompt number>:<value>", so a button from an earlier question is recognisably stale. */
const CALLBACK = /^f(\d+):(.{1,56})$/;
const FORM_BUTTON = /^f\d+:/;
const MAX_ECHO = 64;

/** A message that asked a question, and its text. */
interface Asked {
  id: number;
  text: string;
}

/** A file the person sent; only its id is kept (conversation state is stored as JSON). */
export interface SentDocument {
  fileId: string;
  fileName: string;
  size: number;
}

export class FormIO {
  /** Counts prompts; deterministic across replays because the conversation code is. */
  private promptNo = 0;
  /** Messages of questions already answered in this form (rebuilt identically on every replay). */
  private readonly answered = new Set<number>();
  /**
   * The message that opened this form. Message ids grow within a chat, so a button newer than it that carries the
   * current question's number can only be this question's, even when the message is not among those this replay
   * sent: after a crash an update is handled again and its question sent anew, while the person taps the first copy.
   */
  private readonly openedBy: number;

  constructor(
    readonly conversation: Conversation<BotContext, InnerContext>,
    public ctx: InnerContext,
    public t: T,
  ) {
    this.openedBy = ctx.msgId ?? ctx.callbackQuery?.message?.message_id ?? Number.MAX_SAFE_INTEGER;
  }

  async say(text: string, other?: Parameters<InnerContext["reply"]>[1]): Promise<void> {
    await this.ctx.reply(text, other);
  }

  /** Asks for free text and returns the parsed value. */
  async text<V>(
    question: string,
    parse: (raw: string) => Parsed<V>,
    options: { keyboard?: ReplyKeyboardMarkup; contact?: (phone: string, ownContact: boolean) => Parsed<V> } = {},
  ): Promise<V> {
    this.promptNo++;
    const markup = options.keyboard ?? { remove_keyboard: true as const };
    await this.ctx.reply(question, { reply_markup: markup });
    for (;;) {
      const ctx = await this.next();
      const msg = ctx.message;
      let problem: string;
      if (msg?.contact && options.contact) {
        const result = options.contact(msg.contact.phone_number, msg.contact.user_id === ctx.from?.id);
        if (result.ok) return result.value;
        problem = this.t(result.error.key, result.error.params);
      } else if (msg?.text !== undefined && !msg.text.startsWith("/")) {
        const result = parse(msg.text);
        if (result.ok) return result.value;
        problem = this.t(result.error.key, result.error.params);
      } else if (msg?.text?.startsWith("/")) {
        problem = this.t("form.command_in_form");
      } else if (ctx.callbackQuery) {
        await this.answerStrayButton(ctx);
        problem = this.t("form.type_answer");
      } else {
        problem = this.t("form.text_expected");
      }
      await ctx.reply(`${problem}\n\n${question}`, { reply_markup: markup });
    }
  }

  /**
   * Asks to pick one of the buttons; a typed label or number is accepted too (as on Zalo). When the answer is
   * wrong the question is asked again with the same buttons, and the buttons of every message that asked it
   * stay live until the question is answered: a person on a slow phone taps whichever one is on screen.
   */
  async choice<V extends string>(question: string, rows: Choice<V>[][]): Promise<V> {
    const no = ++this.promptNo;
    const keyboard = InlineKeyboard.from(
      rows.map((row) => row.map((c) => InlineKeyboard.text(c.label, `f${no}:${c.value}`))),
    );
    const options = rows.flat();
    const first = await this.ctx.reply(question, { reply_markup: keyboard });
    /** Every message that asked this question, with its text (to close its buttons once answered). */
    const asked: Asked[] = [{ id: first.message_id, text: question }];
    for (;;) {
      const ctx = await this.next();
      const data = ctx.callbackQuery?.data;
      if (data !== undefined) {
        const match = CALLBACK.exec(data);
        const pressedOn = ctx.callbackQuery?.message?.message_id;
        const picked = match && Number(match[1]) === no ? options.find((c) => c.value === match[2]) : undefined;
        if (picked && pressedOn !== undefined && (asked.some((m) => m.id === pressedOn) || pressedOn > this.openedBy)) {
          if (!asked.some((m) => m.id === pressedOn)) asked.push({ id: pressedOn, text: question });
          await ctx.answerCallbackQuery();
          await this.closeButtons(ctx, asked, picked.label);
          return picked.value;
        }
        await this.answerStrayButton(ctx);
        continue;
      }
      const typed = ctx.message?.text?.trim();
      if (typed !== undefined && !typed.startsWith("/")) {
        const n = Number(typed);
        const picked =
          (Number.isInteger(n) && n >= 1 ? options[n - 1] : undefined) ??
          options.find((c) => c.label.toLocaleLowerCase("vi") === typed.toLocaleLowerCase("vi"));
        if (picked) {
          await this.closeButtons(ctx, asked, picked.label);
          return picked.value;
        }
      }
      const problem = typed?.startsWith("/") ? this.t("form.command_in_form") : this.t("form.choose_button");
      const text = `${problem}\n\n${question}`;
      const again = await ctx.reply(text, { reply_markup: keyboard });
      asked.push({ id: again.message_id, text });
    }
  }

  /** Waits for a file; anything else gets `notDocument` and the `question` again (both translated), and another wait. */
  async document(notDocument: string, question: string): Promise<SentDocument> {
    for (;;) {
      const ctx = await this.next();
      if (ctx.callbackQuery) {
        await this.answerStrayButton(ctx);
        continue;
      }
      const document = ctx.message?.document;
      if (document) return { fileId: document.file_id, fileName: document.file_name ?? "", size: document.file_size ?? 0 };
      await ctx.reply(`${notDocument}\n\n${question}`);
    }
  }

  /** A one-button reply keyboard, e.g. "share my phone number". */
  static contactKeyboard(label: string): ReplyKeyboardMarkup {
    return new Keyboard().requestContact(label).resized().oneTime();
  }

  /**
   * The next update for this form. Buttons that are not form buttons (a chair's Approve on another
   * application, a language switch) are passed on to the rest of the bot instead of being swallowed.
   */
  private async next(): Promise<InnerContext> {
    const ctx = await this.conversation.wait();
    const data = ctx.callbackQuery?.data;
    if (data !== undefined && !FORM_BUTTON.test(data)) await this.conversation.skip({ next: true });
    this.ctx = ctx;
    return ctx;
  }

  /**
   * Buttons of an answered question are replaced by the answer, on every message that asked it, so they cannot
   * be pressed again; a later press of one is recognised as "already answered".
   */
  private async closeButtons(ctx: InnerContext, asked: Asked[], answer: string) {
    for (const m of asked) this.answered.add(m.id);
    const chatId = ctx.chat?.id;
    if (chatId === undefined) return;
    const shown = answer.length > MAX_ECHO ? `${answer.slice(0, MAX_ECHO)}…` : answer;
    for (const m of asked) {
      await ctx.api
        .editMessageText(chatId, m.id, `${m.text}\n\n→ ${shown}`, { reply_markup: new InlineKeyboard() as InlineKeyboardMarkup })
        .catch(() => undefined);
    }
  }

  /** A button this form did not expect: one of a question already answered, or an old or forged one. */
  private async answerStrayButton(ctx: InnerContext) {
    const pressedOn = ctx.callbackQuery?.message?.message_id;
    const key = pressedOn !== undefined && this.answered.has(pressedOn) ? "form.already_answered" : "form.stale_button";
    await ctx.answerCallbackQuery({ text: this.t(key) }).catch(() => undefined);
  }
}
