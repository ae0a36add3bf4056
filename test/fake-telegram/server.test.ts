import { run } from "@grammyjs/runner";
import { Bot, GrammyError, InlineKeyboard, InputFile } from "grammy";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeTelegram, type TestUser } from "./server.ts";

let fake: FakeTelegram;
/** Things to stop after each test, newest first (bots before the server). */
let cleanups: Array<() => unknown>;

beforeEach(async () => {
  fake = await FakeTelegram.start();
  cleanups = [];
});

afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await fake.close();
});

function makeBot(server = fake): Bot {
  return new Bot(server.token, { client: { apiRoot: server.apiRoot } });
}

/** Starts grammY's built-in long polling; resolves once it is about to poll. */
async function startPolling(bot: Bot): Promise<{ stopped: Promise<unknown> }> {
  let stopped!: Promise<unknown>;
  await new Promise<void>((resolve) => {
    // Keep the rejection (e.g. a 409) observable instead of unhandled.
    stopped = bot.start({ onStart: () => resolve() }).catch((err: unknown) => err);
  });
  cleanups.push(() => (bot.isRunning() ? bot.stop() : undefined));
  return { stopped };
}

const lan: TestUser = { id: 1001, first_name: "Lan", username: "lan_nguyen" };

async function errorOf(promise: Promise<unknown>): Promise<GrammyError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GrammyError);
  return err as GrammyError;
}

describe("FakeTelegram with grammY long polling", () => {
  it("delivers injected updates to handlers and records the reply", async () => {
    const bot = makeBot();
    bot.command("start", (ctx) => ctx.reply(`Mã đơn vị: ${ctx.match}`));
    await startPolling(bot);

    const update = fake.sendText(lan, "/start LC001");
    expect(update.message.entities).toEqual([{ type: "bot_command", offset: 0, length: 6 }]);
    expect(update.message.from).toEqual({ id: 1001, is_bot: false, first_name: "Lan", username: "lan_nguyen", language_code: "vi" });

    const reply = await fake.nextMessageTo(lan);
    expect(reply.text).toBe("Mã đơn vị: LC001");
    expect(reply.chat).toEqual({ id: 1001, type: "private", first_name: "Lan", username: "lan_nguyen" });
    expect(reply.from).toMatchObject({ id: 123456789, is_bot: true, username: "congdoan_test_bot" });
    // Message ids are per chat and shared with the user's messages.
    expect(reply.message_id).toBe(update.message.message_id + 1);

    await fake.waitUntilConsumed(update);
    expect(fake.updateIdsConsumed()).toEqual([update.update_id]);
    expect(fake.callsTo("deleteWebhook")).toHaveLength(1);
    expect(fake.callsTo("getMe")[0]?.response).toMatchObject({ ok: true, result: { is_bot: true, can_join_groups: true } });
  });

  it("routes stickers, photos, contacts and documents; files are downloadable", async () => {
    const bot = makeBot();
    bot.on("message:sticker", (ctx) => ctx.reply("sticker"));
    bot.on("message:photo", (ctx) => ctx.reply(`photo ${ctx.message.photo.length} sizes, caption=${ctx.message.caption}`));
    bot.on("message:contact", (ctx) =>
      ctx.reply(ctx.message.contact.user_id === ctx.from.id ? `own ${ctx.message.contact.phone_number}` : "someone else"),
    );
    bot.on("message:document", async (ctx) => {
      const file = await ctx.getFile();
      const res = await fetch(`${fake.apiRoot}/file/bot${fake.token}/${file.file_path}`);
      const body = await res.text();
      await ctx.reply(`${ctx.message.document.file_name}: ${body.trim().split("\n").length} rows`);
    });
    await startPolling(bot);

    fake.sendSticker(lan);
    expect((await fake.nextMessageTo(lan)).text).toBe("sticker");
    fake.sendPhoto(lan, "thẻ đoàn viên");
    expect((await fake.nextMessageTo(lan)).text).toBe("photo 4 sizes, caption=thẻ đoàn viên");
    fake.sendContact(lan, { phone_number: "+84901234567", user_id: lan.id });
    expect((await fake.nextMessageTo(lan)).text).toBe("own +84901234567");
    fake.sendDocument(lan, { file_name: "members.csv", mime_type: "text/csv", content: Buffer.from("name\nAn\nBình\n") });
    expect((await fake.nextMessageTo(lan)).text).toBe("members.csv: 3 rows");
  });

  it("delivers callback button presses with their data; edits are reflected", async () => {
    const bot = makeBot();
    bot.command("join", (ctx) =>
      ctx.reply("Bạn có muốn gia nhập công đoàn?", {
        reply_markup: new InlineKeyboard().text("Có", "join:yes").text("Không", "join:no"),
      }),
    );
    bot.callbackQuery(/^join:(.+)$/, async (ctx) => {
      await ctx.answerCallbackQuery({ text: "Đã ghi nhận" });
      await ctx.editMessageText(`Bạn chọn: ${ctx.match[1]}`);
    });
    await startPolling(bot);

    fake.sendText(lan, "/join");
    const question = await fake.nextMessageTo(lan);
    expect(question.reply_markup?.inline_keyboard[0]?.map((b) => b.text)).toEqual(["Có", "Không"]);

    const press = fake.pressButton(lan, question, "join:yes");
    expect(press.callback_query?.data).toBe("join:yes");
    const answer = await fake.waitForCallbackAnswer(press.callbackQueryId);
    expect(answer.payload.text).toBe("Đã ghi nhận");

    const edited = await fake.nextMessageTo(lan);
    expect(edited).toMatchObject({ message_id: question.message_id, text: "Bạn chọn: yes" });
    expect(edited.edit_date).toBeTypeOf("number");
    // editMessageText without reply_markup removes the keyboard, like on Telegram.
    expect(edited.reply_markup).toBeUndefined();
    expect(fake.messagesTo(lan).map((m) => m.text)).toEqual(["Bạn chọn: yes"]);
    expect(() => fake.pressButton(lan, question, "join:no")).toThrow(/no button with callback_data "join:no"/);

    const notModified = await errorOf(bot.api.editMessageText(lan.id, question.message_id, "Bạn chọn: yes"));
    expect(notModified.description).toMatch(/^Bad Request: message is not modified/);
    const missing = await errorOf(bot.api.editMessageText(lan.id, 999, "x"));
    expect(missing.description).toBe("Bad Request: message to edit not found");
  });

  it("works with @grammyjs/runner; a blocked user yields 403", async () => {
    const bot = makeBot();
    bot.on("message:text", (ctx) => ctx.reply(`echo: ${ctx.message.text}`));
    const blockedBy = new Promise<number>((resolve) => {
      bot.on("my_chat_member", (ctx) => {
        if (ctx.myChatMember.new_chat_member.status === "kicked") resolve(ctx.from.id);
      });
    });
    const handle = run(bot);
    cleanups.push(() => (handle.isRunning() ? handle.stop() : undefined));

    const first = fake.sendText(lan, "một");
    expect((await fake.nextMessageTo(lan)).text).toBe("echo: một");
    await fake.waitUntilConsumed(first);

    fake.blockBot(lan);
    expect(await blockedBy).toBe(lan.id);
    const forbidden = await errorOf(bot.api.sendMessage(lan.id, "còn đó không?"));
    expect(forbidden.error_code).toBe(403);
    expect(forbidden.description).toBe("Forbidden: bot was blocked by the user");
    expect(fake.deliveredTo(lan).map((m) => m.text)).toEqual(["echo: một"]);
  });

  it("answers an older concurrent poll with 409, like Telegram", async () => {
    const first = makeBot();
    const { stopped } = await startPolling(first);
    await fake.waitForPoll();
    await startPolling(makeBot());
    const err = await stopped;
    expect(err).toBeInstanceOf(GrammyError);
    expect((err as GrammyError).error_code).toBe(409);
  });
});

describe("FakeTelegram API behaviour", () => {
  it("failNext makes grammY throw a 429 GrammyError with retry_after", async () => {
    const bot = makeBot();
    fake.failNext("sendMessage", { error_code: 429, retry_after: 7 });
    const err = await errorOf(bot.api.sendMessage(5, "xin chào"));
    expect(err.error_code).toBe(429);
    expect(err.description).toBe("Too Many Requests: retry after 7");
    expect(err.parameters.retry_after).toBe(7);
    // Only the next call fails.
    await expect(bot.api.sendMessage(5, "xin chào")).resolves.toMatchObject({ text: "xin chào" });
    expect(fake.stats).toEqual({ rejected429: 1, sent: 1 });
    expect(fake.deliveredTo(5)).toHaveLength(1);
  });

  it("rejects a wrong token with 401 and unknown methods with 404", async () => {
    const wrong = new Bot("987654321:AAWrongTokenWrongTokenWrongToken", { client: { apiRoot: fake.apiRoot } });
    const err = await errorOf(wrong.api.getMe());
    expect(err.error_code).toBe(401);
    expect(err.description).toBe("Unauthorized");

    const res = await fetch(`${fake.apiRoot}/bot${fake.token}/sendTelepathy`, { method: "POST" });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ ok: false, error_code: 404, description: "Not Found: method not found" });
  });

  it("parses multipart uploads, decoding JSON fields like reply_markup", async () => {
    const bot = makeBot();
    // Just a PNG header: enough for the fake to read the dimensions.
    const png = Buffer.alloc(64);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(png);
    png.writeUInt32BE(640, 16);
    png.writeUInt32BE(480, 20);

    const sent = await bot.api.sendPhoto(77, new InputFile(png, "card.png"), {
      caption: "<b>Thẻ</b> đoàn viên",
      parse_mode: "HTML",
      reply_markup: new InlineKeyboard().text("Tải lại", "reload"),
    });
    const call = fake.callsTo("sendPhoto")[0]!;
    expect(call.payload.chat_id).toBe(77);
    expect(call.payload.reply_markup).toEqual({ inline_keyboard: [[{ text: "Tải lại", callback_data: "reload" }]] });
    expect(fake.uploads[0]).toMatchObject({ field: "photo", source: "upload", filename: "card.png", mimeType: "image/png", size: 64 });
    expect(sent.photo?.at(-1)).toMatchObject({ width: 640, height: 480, file_size: 64 });
    expect(sent.caption).toBe("Thẻ đoàn viên");
    expect(sent.caption_entities).toEqual([{ type: "bold", offset: 0, length: 3 }]);
    expect(sent.reply_markup).toEqual({ inline_keyboard: [[{ text: "Tải lại", callback_data: "reload" }]] });

    const doc = await bot.api.sendDocument(77, new InputFile(Buffer.from("a,b\n1,2\n"), "báo cáo.csv"));
    expect(doc.document).toMatchObject({ file_name: "báo cáo.csv", mime_type: "text/csv", file_size: 8 });
    // Re-sending by file_id is recorded as such.
    await bot.api.sendDocument(78, doc.document!.file_id);
    expect(fake.uploads.at(-1)).toMatchObject({ source: "file_id", file_id: doc.document!.file_id, size: 8 });
  });

  it("reproduces common formatting and keyboard errors", async () => {
    const bot = makeBot();
    const html = await errorOf(bot.api.sendMessage(5, "Phí: a < b", { parse_mode: "HTML" }));
    expect(html.description).toBe('Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 8');
    const md = await errorOf(bot.api.sendMessage(5, "Hết hạn.", { parse_mode: "MarkdownV2" }));
    expect(md.description).toBe("Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'");
    const data = await errorOf(
      bot.api.sendMessage(5, "x", { reply_markup: new InlineKeyboard().text("Chọn", "x".repeat(65)) }),
    );
    expect(data.description).toBe("Bad Request: BUTTON_DATA_INVALID");

    const ok = await bot.api.sendMessage(5, "*Đơn* _số_ 12\\.", { parse_mode: "MarkdownV2" });
    expect(ok.text).toBe("Đơn số 12.");
    expect(ok.entities).toEqual([
      { type: "bold", offset: 0, length: 3 },
      { type: "italic", offset: 4, length: 2 },
    ]);
  });

  it("enforces per-chat and global flood limits with 429 retry_after", async () => {
    const limited = await FakeTelegram.start({ enforceLimits: true, globalPerSecond: 3, perChatPerSecond: 1 });
    cleanups.push(() => limited.close());
    const bot = makeBot(limited);

    await bot.api.sendMessage(1, "a");
    const perChat = await errorOf(bot.api.sendMessage(1, "b"));
    expect(perChat.error_code).toBe(429);
    expect(perChat.parameters.retry_after).toBe(1);
    expect(perChat.description).toBe("Too Many Requests: retry after 1");

    await bot.api.sendMessage(2, "c");
    await bot.api.sendMessage(3, "d");
    const global = await errorOf(bot.api.sendMessage(4, "e"));
    expect(global.error_code).toBe(429);
    // Paid broadcast raises the global limit to 1000/s.
    await bot.api.sendMessage(4, "e", { allow_paid_broadcast: true });

    expect(limited.stats).toEqual({ rejected429: 2, sent: 4 });
    expect(limited.deliveredTo(1).map((m) => m.text)).toEqual(["a"]);
    expect(limited.deliveredTo(4).map((m) => m.text)).toEqual(["e"]);
  });

  it("waitForCall times out with a readable list of recent calls", async () => {
    const bot = makeBot();
    await bot.api.sendMessage(42, "Xin chào! Đây là tin nhắn chào mừng đoàn viên mới của công đoàn cơ sở.");
    // With a mark, earlier calls are ignored and the wait resolves on the next matching one.
    const next = fake.waitForCall((c) => c.method === "sendMessage", 1000, fake.mark());
    await bot.api.sendMessage(42, "tin thứ hai");
    expect((await next).payload.text).toBe("tin thứ hai");

    const err = await fake.waitForCall((c) => c.method === "sendPhoto", 30).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toContain("timed out after 30ms");
    expect(message).toContain('#1 sendMessage chat_id=42 "tin thứ hai" [ok]');
    expect(message).toContain('#0 sendMessage chat_id=42 "Xin chào! Đây là tin nhắn chào mừng đoàn viên mới của công đoàn cơ sở." [ok]');
    expect(message).toContain("Updates queued for the bot: 0");
  });
});
