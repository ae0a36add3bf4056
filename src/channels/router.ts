// The one seam between the bot and its channels. The features call the Telegram Bot API (grammY) for every chat;
// the router sends a call for a chat of another channel (its address says which, see ./address.ts) to that channel's
// gateway, typed, and lets Telegram's calls go to Telegram untouched.
//
// Why two halves: grammY's conversations record every API call and, when they replay a form, answer it from the
// record instead of calling again. They record just above grammY's HTTP client, below any transformer we install.
// So the transformer (above the record) only parks the typed call and sends a small envelope down; the HTTP client
// (below it) carries the parked call out. On a replay the envelope never reaches the client and nothing is re-sent.
import { randomUUID } from "node:crypto";
import type { Transformer } from "grammy";
import type { ApiResponse, Update } from "grammy/types";
import nodeFetch, { Response } from "node-fetch";
import type { Logger } from "../logger.ts";
import { addressOf, type ChatAddress, type GatewayChannel } from "./address.ts";
import { ChannelRefusal, type ChannelGateway, type MethodName, type Params } from "./gateway.ts";

/** The envelope's only field: a body starting with it is a parked call, whatever else Telegram's bodies hold. */
const ENVELOPE = '{"channelCall":"';

interface ParkedCall {
  gateway: ChannelGateway;
  method: MethodName;
  params: unknown;
}

export class ChannelRouter {
  private readonly gateways = new Map<GatewayChannel, ChannelGateway>();
  private readonly parked = new Map<string, ParkedCall>();

  constructor(
    private readonly logger: Logger,
    /** False when the bot has no Telegram token (the web chat alone): calls for Telegram are then refused. */
    private readonly telegram: boolean,
  ) {}

  add(gateway: ChannelGateway): this {
    this.gateways.set(gateway.channel, gateway);
    return this;
  }

  get channels(): GatewayChannel[] {
    return [...this.gateways.keys()];
  }

  /** Installed on bot.api and on every conversation's api (transformers do not carry over to them). */
  readonly transformer: Transformer = async (prev, method, payload, signal) => {
    const address = addressOfCall(payload);
    const gateway = address.channel === "TELEGRAM" ? undefined : this.gateways.get(address.channel);
    if (!gateway) return prev(method, payload, signal);
    const id = randomUUID();
    this.parked.set(id, { gateway, method, params: payload });
    try {
      return await prev(method, { channelCall: id } as unknown as typeof payload, signal);
    } finally {
      this.parked.delete(id);
    }
  };

  /**
   * grammY's HTTP client (its `client.fetch` option, typed as node-fetch, grammY's default on Node). Telegram's calls
   * go on to node-fetch exactly as grammY made them.
   */
  readonly fetch = (async (url: Parameters<typeof nodeFetch>[0], init?: Parameters<typeof nodeFetch>[1]) => {
    const body = init?.body;
    if (typeof body === "string" && body.startsWith(ENVELOPE)) {
      const call = this.parked.get((JSON.parse(body) as { channelCall: string }).channelCall);
      const answer: ApiResponse<unknown> = call ? await this.perform(call) : { ok: false, error_code: 500, description: "call lost" };
      return new Response(JSON.stringify(answer), { headers: { "content-type": "application/json" } });
    }
    if (!this.telegram) {
      const answer: ApiResponse<unknown> = { ok: false, error_code: 404, description: "Telegram is not configured (no TELEGRAM_BOT_TOKEN)" };
      return new Response(JSON.stringify(answer), { status: 404, headers: { "content-type": "application/json" } });
    }
    return nodeFetch(url, init);
    // grammY only calls the function; node-fetch's static helpers are not needed.
  }) as typeof nodeFetch;

  private async perform({ gateway, method, params }: ParkedCall): Promise<ApiResponse<unknown>> {
    const serve = gateway.serves[method] as ((p: Params<typeof method>) => Promise<unknown>) | "ignore" | undefined;
    if (serve === "ignore") return { ok: true, result: true };
    if (!serve) {
      this.logger.warn({ channel: gateway.channel, method }, "a method this channel does not serve was called");
      return { ok: false, error_code: 400, description: `${method} is not available on ${gateway.channel}` };
    }
    try {
      return { ok: true, result: await serve.call(gateway.serves, params as Params<typeof method>) };
    } catch (error) {
      if (!(error instanceof ChannelRefusal)) throw error;
      return {
        ok: false,
        error_code: error.code,
        description: error.description,
        ...(error.retryAfter !== undefined ? { parameters: { retry_after: error.retryAfter } } : {}),
      };
    }
  }

  /** The Telegram update for one a channel stored in the inbox, or null when the bot has nothing to do with it. */
  async toUpdate(channel: GatewayChannel, payload: unknown): Promise<Update | null> {
    const gateway = this.gateways.get(channel);
    return gateway ? gateway.toUpdate(payload) : null;
  }

  /** The gateway that serves a file id of its own (what a person sent there), if any. */
  downloaderOf(fileId: string): ((maxBytes: number) => Promise<Buffer>) | undefined {
    const { channel } = addressOf(fileId);
    const gateway = channel === "TELEGRAM" ? undefined : this.gateways.get(channel);
    return gateway?.download ? (maxBytes) => gateway.download!(fileId, maxBytes) : undefined;
  }
}

/**
 * Where a call goes: its chat (chat_id, or a command menu's scope), or the channel that minted the button press or
 * the file it names. Calls with none of these (getMe, the default command menu) are Telegram's.
 */
function addressOfCall(payload: unknown): ChatAddress {
  const p = (payload ?? {}) as { chat_id?: unknown; scope?: { chat_id?: unknown }; callback_query_id?: unknown; file_id?: unknown };
  const id = p.chat_id ?? p.scope?.chat_id ?? p.callback_query_id ?? p.file_id;
  return id === undefined ? { channel: "TELEGRAM", externalId: "" } : addressOf(String(id));
}
