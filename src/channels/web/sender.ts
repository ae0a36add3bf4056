// Delivers broadcast announcements to web chat members: the same message Telegram members get (heading, text, the
// stop button), written into their conversation, where an open page shows it at once.
import type { OutgoingMessage, Sender, SendOutcome } from "../../outbox/outbox.ts";
import { renderAnnouncement } from "../../bot/broadcasts/render.ts";
import type { Transcript, WebContent } from "./transcript.ts";
import { addressOf } from "../address.ts";

export function webSender(transcript: Transcript): Sender {
  return {
    channel: "WEB",
    async send(message: OutgoingMessage): Promise<SendOutcome> {
      const { body, keyboard } = renderAnnouncement(message.language, message.content.text, { withButton: true, ownHeading: message.content.own });
      const buttons = (keyboard?.inline_keyboard ?? []).map((row) => row.flatMap((b) => ("callback_data" in b && b.callback_data ? [{ label: b.text, data: b.callback_data }] : [])));
      const photo = message.content.photoFileId;
      const file = photo && addressOf(photo).channel === "WEB" ? await transcript.file(addressOf(photo).externalId) : null;
      const content: WebContent = {
        html: body,
        buttons,
        ...(file ? { file: { kind: "photo", url: `/files/${file.id}`, name: file.name, mime: file.mime, size: file.bytes.length } } : {}),
      };
      await transcript.add(message.chatId, true, content);
      return { kind: "sent" };
    },
  };
}
