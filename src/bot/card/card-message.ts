// The member card as the bot sends it: the picture with the QR code where the channel takes files the bot made, else
// (Zalo) the card as text with the check link or code, so every member can prove membership from their phone.
import type { InputFile } from "grammy";
import { cardOf, verifyLink, type CardSettings, type MemberCard } from "../../cards/card.ts";
import { cardPng } from "../../cards/image.ts";
import { CHANNELS } from "../../channels/capabilities.ts";
import { fileToSend } from "../../channels/files.ts";
import type { PrismaClient } from "../../db/database.ts";
import type { Channel } from "../../generated/prisma/client.ts";
import type { T } from "../../i18n/i18n.ts";
import { formatMemberNumber } from "../../membership/numbers.ts";
import { memberCard } from "../features/status.ts";

export interface CardMessage {
  member: MemberCard;
  /** The picture, with `text` as its caption; absent where the channel cannot take it. */
  photo?: InputFile;
  text: string;
}

/** How someone can check the card without the picture: the verify link, or the token to give to an officer. */
function checkLine(card: MemberCard, settings: CardSettings, t: T): string {
  return settings.publicUrl ? t("card.check_link", { link: verifyLink(settings.publicUrl, card.token) }) : t("card.check_code", { token: card.token });
}

/** This person's card for the channel they are on, or null when they are not a current member. */
export async function cardMessage(prisma: PrismaClient, settings: CardSettings, personId: string, channel: Channel, t: T): Promise<CardMessage | null> {
  const card = await cardOf(prisma, settings, personId);
  if (!card) return null;
  if (!CHANNELS[channel].uploads) return { member: card, text: `${memberCard(card, t)}\n\n${checkLine(card, settings, t)}` };
  const photo = fileToSend(await cardPng(card), `the-doan-vien-${formatMemberNumber(card.number)}.png`);
  return { member: card, photo, text: `${t("card.caption")}\n\n${checkLine(card, settings, t)}` };
}
