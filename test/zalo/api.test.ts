// The Zalo client against the fake Zalo Bot API over HTTP: what a Zalo user would see (or not) when the bot talks.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { splitText, ZaloApi, ZaloApiError } from "../../src/channels/zalo/api.ts";
import { parseUpdate, photoUrlOf, updateKey } from "../../src/channels/zalo/update.ts";
import { zaloSender } from "../../src/channels/zalo/sender.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { scrubSecrets } from "../../src/logger.ts";
import { FakeZalo } from "../fake-zalo/server.ts";

let fake: FakeZalo;
let api: ZaloApi;

beforeEach(async () => {
  fake = await FakeZalo.start();
  api = new ZaloApi(fake.token, { apiRoot: fake.apiRoot });
});
afterEach(() => fake.close());

describe("Zalo client", () => {
  it("identifies the bot, and a wrong token fails with 401 without the token in the error", async () => {
    expect((await api.getMe()).account_name).toBe("bot.CongDoanTest");
    const wrong = new ZaloApi("999999:wrong-secret-token-abcdefgh", { apiRoot: fake.apiRoot });
    const error = await wrong.getMe().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZaloApiError);
    expect((error as ZaloApiError).errorCode).toBe(401);
    expect(String((error as Error).message)).not.toContain("wrong-secret");
  });

  it("receives one update per poll and treats an empty poll (408) as nothing new", async () => {
    fake.userSends("a3f09c1d22e47b5c8d01", "Xin chào công đoàn 👋");
    const update = await api.getUpdate(1);
    expect(update?.event_name).toBe("message.text.received");
    expect(update?.message.text).toBe("Xin chào công đoàn 👋");
    expect(update?.message.chat.id).toBe("a3f09c1d22e47b5c8d01");
    expect(await api.getUpdate(1)).toBeNull();
  });

  it("refuses to poll while a webhook is set, and polls again once it is deleted", async () => {
    await expect(api.setWebhook("https://bot.example.vn/zalo", "short")).rejects.toThrow(RangeError);
    await api.setWebhook("https://bot.example.vn/zalo", "s3cr3t-zalo-hook-42");
    expect((await api.getWebhookInfo()).url).toBe("https://bot.example.vn/zalo");
    await expect(api.getUpdate(0)).rejects.toMatchObject({ errorCode: 400 });
    await api.deleteWebhook();
    fake.userSends("u1", "hi");
    expect((await api.getUpdate(1))?.message.text).toBe("hi");
  });

  it("splits a long Vietnamese text at word boundaries into messages Zalo accepts", async () => {
    const word = "Đoàn viên công đoàn 🇻🇳 ";
    const long = word.repeat(250).trim(); // ~5,000 characters
    const sent = await api.sendMessage("u1", long);
    const received = fake.sentTo("u1").map((m) => m.text ?? "");
    expect(sent).toHaveLength(received.length);
    expect(received.length).toBeGreaterThan(2);
    for (const part of received) expect(part.length).toBeLessThanOrEqual(2000);
    expect(received.join(" ")).toBe(long);
  });

  it("surfaces a quota refusal (429) as such", async () => {
    fake.failNext("sendMessage", 429);
    const error = await api.sendMessage("u1", "Thông báo").catch((e: unknown) => e);
    expect((error as ZaloApiError).quotaExceeded).toBe(true);
    expect(fake.sentTo("u1")).toHaveLength(0);
  });

  it("sends a photo by URL with its caption", async () => {
    await api.sendPhoto("u1", "https://example.vn/poster.png", "Tháng cao điểm");
    expect(fake.sentTo("u1")[0]).toMatchObject({ photo: "https://example.vn/poster.png", caption: "Tháng cao điểm" });
  });
});

describe("Zalo updates", () => {
  const message = {
    message_id: "9c0e4b7712aa3f5d6e02",
    date: 1767225600123,
    from: { id: "u1", display_name: "Lan", is_bot: false },
    chat: { id: "u1", chat_type: "PRIVATE" },
    photo_url: "https://photo-stal-1.zdn.vn/x.jpg",
    message_type: "CHAT_PHOTO",
  };

  it("accepts the documented wrapped body and the real unwrapped one, and rejects junk", () => {
    const unwrapped = { event_name: "message.image.received", message };
    expect(parseUpdate(unwrapped)?.message.from.display_name).toBe("Lan");
    expect(parseUpdate({ ok: true, result: unwrapped })?.event_name).toBe("message.image.received");
    expect(photoUrlOf(parseUpdate(unwrapped)!.message)).toBe("https://photo-stal-1.zdn.vn/x.jpg");
    expect(updateKey(parseUpdate(unwrapped)!)).toBe("message.image.received:9c0e4b7712aa3f5d6e02");
    expect(parseUpdate(undefined)).toBeNull();
    expect(parseUpdate({ ok: true })).toBeNull();
    expect(parseUpdate({ event_name: "message.text.received", message: { text: "no sender" } })).toBeNull();
  });
});

describe("splitText", () => {
  it("keeps short texts whole and never cuts inside an emoji", () => {
    expect(splitText("ngắn")).toEqual(["ngắn"]);
    const parts = splitText("a" + "😀".repeat(2500));
    expect(parts.join("")).toBe("a" + "😀".repeat(2500));
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(2000);
      expect(part).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
    }
  });
});

describe("log scrubbing", () => {
  it("hides a token of any shape in an API URL", () => {
    expect(scrubSecrets("POST https://bot-api.zaloplatforms.com/bot12345689:abc-xyz/sendMessage failed")).toBe(
      "POST https://bot-api.zaloplatforms.com/bot<token>/sendMessage failed",
    );
  });
});

describe("Zalo outbox sender", () => {
  const message = (chatId: string, text: string) => ({
    id: "m1",
    broadcastId: "b1",
    personId: "p1",
    chatId,
    channel: "ZALO" as const,
    language: "vi" as const,
    content: { text, photoFileId: "telegram-file-id" },
  });

  it("delivers the announcement's text and reports quota and bad requests as errors, never as unreachable", async () => {
    const sender = zaloSender(api);
    expect(await sender.send(message("zalo:u1", "Tháng cao điểm bắt đầu"))).toEqual({ kind: "sent" });
    const vi = tFor("vi");
    expect(fake.sentTo("u1").map((m) => m.text)).toEqual([`${vi("broadcasts.heading")}\n\nTháng cao điểm bắt đầu\n\n${vi("zalo.stop_hint")}`]);

    fake.failNext("sendMessage", 429);
    expect(await sender.send(message("u1", "lần hai"))).toMatchObject({ kind: "error", reason: expect.stringContaining("429") });
    fake.failNext("sendMessage", 403, 1, "Internal server error");
    expect(await sender.send(message("u1", "lần ba"))).toMatchObject({ kind: "error", permanent: false });
    fake.failNext("sendMessage", 400, 1, "Bad request");
    expect(await sender.send(message("u1", "lần bốn"))).toMatchObject({ kind: "error", permanent: true });
  });
});
