// Plain-text helpers shared by the domain: cleaning what people type on phones and making names searchable
// without diacritics ("cong ty" finds "Công ty").

/** Invisible format characters (zero-width space/joiners, BOM, bidi marks, soft hyphen…) and emoji variation selectors. */
const INVISIBLE = /[\p{Cf}\uFE00-\uFE0F]/gu;
/** Control characters other than whitespace (whitespace is folded into spaces before this runs). */
const CONTROL = /\p{Cc}/gu;
/** Any run of whitespace, including no-break and ideographic spaces and line breaks. */
const WHITESPACE = /[\s\u00A0\u2000-\u200A\u202F\u205F\u3000]+/gu;

/**
 * Cleans free text typed by a user: NFC, invisible characters removed, every run of whitespace (line breaks, no-break
 * spaces…) made one space, trimmed. Letters, digits, punctuation and emoji are kept; validators decide about those.
 */
export function cleanText(s: string): string {
  return s.normalize("NFC").replace(INVISIBLE, "").replace(WHITESPACE, " ").replace(CONTROL, "").trim();
}

/**
 * The search form of a text: decomposed, combining marks stripped, đ/Đ → d, lower-case, whitespace collapsed, trimmed.
 * "  Công ty  Điện lực " → "cong ty dien luc".
 */
export function toSearchText(s: string): string {
  return s
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .replace(INVISIBLE, "")
    .replace(/[đĐ\u00D0]/g, "d") // \u00D0 (Ð, Icelandic eth) is often typed for Đ
    .toLowerCase()
    .replace(WHITESPACE, " ")
    .replace(CONTROL, "")
    .trim();
}

const graphemes = new Intl.Segmenter("vi", { granularity: "grapheme" });

/** Number of user-perceived characters (grapheme clusters): "ế" in NFD or a family emoji count as one. */
export function graphemeLength(s: string): number {
  let n = 0;
  for (const _ of graphemes.segment(s)) n++;
  return n;
}

/**
 * Shortens `s` to at most `n` user-perceived characters, ending with "…" when something was cut. Never splits a letter
 * from its diacritics or an emoji in two; trailing spaces before the ellipsis are dropped.
 */
export function truncate(s: string, n: number): string {
  if (n <= 0) return "";
  const parts: string[] = [];
  for (const { segment } of graphemes.segment(s)) {
    parts.push(segment);
    if (parts.length > n) break;
  }
  if (parts.length <= n) return s;
  return parts.slice(0, n - 1).join("").trimEnd() + "…";
}

/** Text made safe to send with Telegram's parse_mode "HTML": whatever a person typed shows as typed. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
