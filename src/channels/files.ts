// Files the bot sends (charts, PDFs, spreadsheets) are made with fileToSend, which keeps their bytes where a gateway
// can read them: grammY's InputFile hides its contents, and the web chat shows them while Zalo cannot.
import { InputFile } from "grammy";

const contents = new WeakMap<InputFile, Uint8Array>();

export function fileToSend(bytes: Uint8Array, name: string): InputFile {
  const file = new InputFile(bytes, name);
  contents.set(file, bytes);
  return file;
}

/** The bytes and name of a file made by fileToSend; undefined for anything else. */
export function sentFile(file: unknown): { bytes: Uint8Array; name: string } | undefined {
  if (!(file instanceof InputFile)) return undefined;
  const bytes = contents.get(file);
  return bytes ? { bytes, name: file.filename ?? "file" } : undefined;
}
