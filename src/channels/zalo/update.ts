// Zalo updates arrive from getUpdates or a webhook, wrapped as the docs show ({ok, result: {...}}) or unwrapped as
// real deliveries are ({event_name, message}). Both are accepted; anything else is rejected, never guessed at.
import { z } from "zod";

const message = z.object({
  message_id: z.string().min(1).max(128),
  /** Epoch milliseconds. */
  date: z.number(),
  from: z.object({ id: z.string().min(1).max(128), display_name: z.string().max(256).optional(), is_bot: z.boolean().optional() }),
  chat: z.object({ id: z.string().min(1).max(128), chat_type: z.enum(["PRIVATE", "GROUP"]).catch("PRIVATE") }),
  text: z.string().optional(),
  caption: z.string().optional(),
  /** The docs say `photo`; real payloads carry `photo_url`. */
  photo: z.string().optional(),
  photo_url: z.string().optional(),
  sticker: z.string().optional(),
  url: z.string().optional(),
  voice_url: z.string().optional(),
  message_type: z.string().optional(),
});

const update = z.object({
  event_name: z.string().min(1).max(64),
  message: message,
});

export type ZaloMessage = z.infer<typeof message>;
export type ZaloUpdate = z.infer<typeof update>;

export const ZALO_EVENTS = {
  text: "message.text.received",
  image: "message.image.received",
  sticker: "message.sticker.received",
  voice: "message.voice.received",
  unsupported: "message.unsupported.received",
} as const;

/** Returns the update, or null when the body is not one (empty health probes, junk). */
export function parseUpdate(body: unknown): ZaloUpdate | null {
  const inner = isWrapped(body) ? body.result : body;
  const parsed = update.safeParse(inner);
  return parsed.success ? parsed.data : null;
}

function isWrapped(body: unknown): body is { result: unknown } {
  return typeof body === "object" && body !== null && "result" in body && !("event_name" in body);
}

/** The key clients dedupe on: Zalo may serve an update twice and says nothing about retries. */
export const updateKey = (u: ZaloUpdate) => `${u.event_name}:${u.message.message_id}`;

/** The image URL under whichever name this payload used. */
export const photoUrlOf = (m: ZaloMessage) => m.photo_url ?? m.photo;
