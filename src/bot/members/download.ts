// Downloading a file a person sent to the bot. On Telegram: getFile, then GET <api root>/file/bot<token>/<file_path>
// (the URL holds the bot token, so it is never logged nor put in an error message). A file sent on another channel
// is fetched by that channel's gateway (src/channels/router.ts).
import type { Api } from "grammy";
import type { Deps } from "../context.ts";

export class DownloadError extends Error {
  constructor(readonly detail: "no_path" | "too_large" | "network" | "http") {
    super(`file download failed: ${detail}`);
    this.name = "DownloadError";
  }
}

export async function downloadFile(deps: Pick<Deps, "channels" | "config">, api: Api, fileId: string, maxBytes: number): Promise<Buffer> {
  const fromChannel = deps.channels.downloaderOf(fileId);
  if (fromChannel) return fromChannel(maxBytes);
  const apiRoot = deps.config.TELEGRAM_API_ROOT;
  const file = await api.getFile(fileId);
  if (!file.file_path) throw new DownloadError("no_path");
  if (file.file_size !== undefined && file.file_size > maxBytes) throw new DownloadError("too_large");
  const url = `${apiRoot.replace(/\/+$/, "")}/file/bot${api.token}/${file.file_path}`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch {
    throw new DownloadError("network");
  }
  if (!response.ok) throw new DownloadError("http");
  const bytes = Buffer.from(await response.arrayBuffer());
  if (bytes.length > maxBytes) throw new DownloadError("too_large");
  return bytes;
}
