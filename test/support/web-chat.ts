// A person on the web chat, driven through the page's own HTTP API (src/channels/web/server.ts): what the page sends,
// and the conversation as the page reads it. Waiting is for an expected message, never for a fixed time.
import type { WebMessage } from "../../src/channels/web/transcript.ts";

export class WebChatClient {
  constructor(
    readonly url: string,
    readonly id: string,
    private readonly lang: "vi" | "en" = "vi",
  ) {}

  private async post(body: unknown): Promise<Response> {
    return fetch(`${this.url}/api/chats/${this.id}/messages?lang=${this.lang}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  async send(text: string): Promise<Response> {
    const res = await this.post({ text });
    if (res.status !== 202) throw new Error(`send refused: ${res.status} ${await res.text()}`);
    return res;
  }

  /** Presses the button labelled `label` on the newest bot message that shows it. */
  async press(label: string): Promise<void> {
    const messages = await this.messages();
    const message = [...messages].reverse().find((m) => m.from === "bot" && m.buttons?.flat().some((b) => b.label === label && b.data));
    if (!message) throw new Error(`no button "${label}" in:\n${messages.map(render).join("\n")}`);
    const data = message.buttons!.flat().find((b) => b.label === label)!.data!;
    const res = await this.post({ press: { messageId: message.id, data } });
    if (res.status !== 202) throw new Error(`press refused: ${res.status}`);
  }

  async shareContact(phone: string): Promise<void> {
    const res = await this.post({ contact: { phone } });
    if (res.status !== 202) throw new Error(`contact refused: ${res.status}`);
  }

  async upload(name: string, mime: string, bytes: Uint8Array, caption?: string): Promise<Response> {
    const form = new FormData();
    form.set("file", new Blob([bytes], { type: mime }), name);
    if (caption) form.set("caption", caption);
    return fetch(`${this.url}/api/chats/${this.id}/messages`, { method: "POST", body: form });
  }

  async messages(): Promise<WebMessage[]> {
    const res = await fetch(`${this.url}/api/chats/${this.id}/messages?lang=${this.lang}`);
    return ((await res.json()) as { messages: WebMessage[] }).messages;
  }

  /** Waits for a bot message (after the first `after` messages) whose text contains `expected` or matches it. */
  async expect(expected: string | RegExp, options: { after?: number; timeoutMs?: number } = {}): Promise<WebMessage> {
    const deadline = Date.now() + (options.timeoutMs ?? 20_000);
    let seen: WebMessage[] = [];
    while (Date.now() < deadline) {
      seen = await this.messages();
      const found = seen.slice(options.after ?? 0).find((m) => m.from === "bot" && matches(textOf(m), expected));
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    throw new Error(`no message ${String(expected)} in:\n${seen.map(render).join("\n")}`);
  }
}

/** What a person reads in a message: its text, or its HTML without the tags. */
export function textOf(m: WebMessage): string {
  return m.text ?? (m.html ?? "").replace(/<[^>]+>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&");
}

const matches = (text: string, expected: string | RegExp) => (typeof expected === "string" ? text.includes(expected) : expected.test(text));

const render = (m: WebMessage) => `${m.id} ${m.from}: ${textOf(m).slice(0, 120)}${m.buttons ? ` [${m.buttons.flat().map((b) => b.label).join(" | ")}]` : ""}`;

/** Reads the live stream of a chat, as an open page receives it: every message so far, and a wait for the next one. */
export async function listen(url: string, id: string): Promise<{ received: WebMessage[]; next(test?: (m: WebMessage) => boolean): Promise<WebMessage>; close(): void }> {
  const abort = new AbortController();
  const res = await fetch(`${url}/api/chats/${id}/events`, { signal: abort.signal });
  const received: WebMessage[] = [];
  let read = 0;
  let wake: (() => void) | undefined;
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event.split("\n").find((l) => l.startsWith("data:"));
          if (data && event.includes("event: message")) received.push(JSON.parse(data.slice(5).trim()) as WebMessage);
          wake?.();
        }
      }
    } catch {
      // closed
    }
  })();
  return {
    received,
    /** The next message not yet taken by next() that passes `test`. */
    async next(test = () => true) {
      for (;;) {
        while (read < received.length) {
          const message = received[read++]!;
          if (test(message)) return message;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    close: () => abort.abort(),
  };
}
