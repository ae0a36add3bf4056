// Every channel must carry out each Bot API method the features call (src/channels/gateway.ts, FeatureMethod: the
// compiler then makes each gateway serve or ignore it). This test keeps that list honest: a feature that starts to
// call a method not on it fails here, before a Zalo or web chat user meets "not available on this channel".
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(import.meta.dirname, "../../src");
/** Telegram's own plumbing (polling, webhooks, the default command menu): never called for another channel's chat. */
const TELEGRAM_ONLY = new Set(["getUpdates", "setWebhook", "deleteWebhook", "getMe"]);
/** grammY's context shortcuts and the method each one calls. */
const SHORTCUTS: Record<string, string> = {
  reply: "sendMessage",
  replyWithPhoto: "sendPhoto",
  replyWithDocument: "sendDocument",
  replyWithChatAction: "sendChatAction",
  answerCallbackQuery: "answerCallbackQuery",
  editMessageText: "editMessageText",
  editMessageReplyMarkup: "editMessageReplyMarkup",
  deleteMessage: "deleteMessage",
  getFile: "getFile",
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "generated" ? [] : files(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** The gateways themselves call their own platform's API (Zalo's getUpdate…), not the bot's. */
const GATEWAYS = [join(SRC, "channels/zalo"), join(SRC, "channels/web")];

function methodsCalled(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of files(SRC).filter((f) => !GATEWAYS.some((dir) => f.startsWith(dir)))) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/\b(?:api|ctx\.api)\.([a-z][A-Za-z]+)\(/g)) {
      if (m[1] !== "config" && !TELEGRAM_ONLY.has(m[1]!)) found.set(m[1]!, file);
    }
    for (const m of text.matchAll(/\bctx\.([a-z][A-Za-z]+)\(/g)) {
      const method = SHORTCUTS[m[1]!];
      if (method) found.set(method, file);
    }
  }
  return found;
}

function featureMethods(): string[] {
  const gateway = readFileSync(join(SRC, "channels/gateway.ts"), "utf8");
  const union = /export type FeatureMethod =([^;]+);/.exec(gateway)![1]!;
  return [...union.matchAll(/"([A-Za-z]+)"/g)].map((m) => m[1]!);
}

describe("the Bot API methods the features call", () => {
  it("are all on the list every channel gateway must serve or ignore", () => {
    const listed = new Set(featureMethods());
    const missing = [...methodsCalled()].filter(([method]) => !listed.has(method)).map(([method, file]) => `${method} (${file.slice(SRC.length + 1)})`);
    expect(missing).toEqual([]);
  });

  it("finds the calls it looks for (the scan itself works)", () => {
    const called = methodsCalled();
    for (const method of ["sendMessage", "sendPhoto", "sendDocument", "answerCallbackQuery", "editMessageText", "getFile"]) expect(called.has(method), method).toBe(true);
  });
});
