// Downloading a file a person sent to the bot: getFile, then GET <api root>/file/bot<token>/<file_path>. The URL
// holds the bot token, so it is never logged nor put in an error message.
import type { Api } from "grammy";

export class DownloadError extends Error {
  constructor(readonly detail: "no_path" | "too_large" | "network" | "http") {
    super(`file download failed: ${detail}`);
    this.name = "DownloadError";
  }
}

export async function downloadTelegramFile(api: Api, apiRoot: string, fileId: string, maxBytes: number): Promise<Buffer> {
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
