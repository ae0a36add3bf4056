// The join form as a worker goes through it from a poster of LC-DK-CSLC (the demo's rubber company), one step per
// update: 12 updates from /start to "Gửi đơn". Load tests and crash tests play many workers through it at once.
import type { Update } from "grammy/types";
import { tFor } from "../../src/i18n/i18n.ts";
import type { Chat } from "./chat.ts";

const vi = tFor("vi");

export interface JoinStep {
  /** Sends the update (a text or a button press). */
  act(chat: Chat): Update;
  /** What the bot answers it with. */
  reply: string | RegExp;
}

export interface Worker {
  fullName: string;
  /** dd/mm/yyyy */
  birthDate: string;
  /** As typed, e.g. "0912 345 678". */
  phone: string;
  jobPosition: string;
}

/** A step's act: types a text. */
export const text = (value: string) => (chat: Chat) => chat.send(value);
/** A step's act: taps the button with this label. */
export const press = (label: string) => (chat: Chat) => chat.press(label);
/** A step's act: taps the first button of the newest message that shows buttons (a search's first result). */
export const tapFirst = (chat: Chat) => {
  const message = chat.fake.messagesTo(chat.user).findLast((m) => m.reply_markup?.inline_keyboard.length);
  if (!message) throw new Error("no message with buttons in the chat");
  return chat.press(message.reply_markup!.inline_keyboard[0]![0]!.text);
};

export function joinSteps(worker: Worker): JoinStep[] {
  return [
    { act: text("/start LC-DK-CSLC"), reply: vi("join.language.ask") },
    { act: press("Tiếng Việt"), reply: vi("join.consent.question") },
    { act: press(vi("join.consent.agree")), reply: vi("join.fields.fullName.ask") },
    { act: text(worker.fullName), reply: vi("join.fields.birthDate.ask") },
    { act: text(worker.birthDate), reply: vi("join.fields.sex.ask") },
    { act: press(vi("join.fields.sex.FEMALE")), reply: vi("join.fields.phone.ask") },
    { act: text(worker.phone), reply: vi("join.fields.nationality.ask") },
    { act: press(vi("join.fields.nationality.VIETNAMESE")), reply: "Công ty Cổ phần Cao su Lai Châu" },
    { act: press(vi("join.fields.workplace.confirm_yes")), reply: vi("join.fields.jobPosition.ask") },
    { act: text(worker.jobPosition), reply: vi("join.fields.ethnicity.consent").slice(0, 40) },
    { act: press(vi("join.fields.ethnicity.skip")), reply: vi("join.summary.title") },
    { act: press(vi("join.summary.submit")), reply: /HS-\d{6}/ },
  ];
}

/** Names take no digits: worker 205 is "Nguyễn Thị Bình An Giang". */
const SYLLABLES = ["An", "Bình", "Chi", "Dung", "Giang", "Hà", "Khánh", "Lan", "Mai", "Ngọc"];

/** Worker number `n`, with answers that tell one worker's application from another's. */
export function workerNo(n: number): Worker {
  const day = String((n % 28) + 1).padStart(2, "0");
  return {
    fullName: `Nguyễn Thị ${[...String(n)].map((d) => SYLLABLES[Number(d)]).join(" ")}`,
    birthDate: `${day}/05/1990`,
    phone: `09${String(10_000_000 + n).slice(-8)}`,
    jobPosition: `Tổ ${n}`,
  };
}

/** Plays worker `n` through the first `count` steps of the join form, waiting for each reply. */
export async function playJoinSteps(chat: Chat, count: number, n: number): Promise<void> {
  for (const step of joinSteps(workerNo(n)).slice(0, count)) {
    step.act(chat);
    await chat.expect(step.reply, 30_000);
  }
}
