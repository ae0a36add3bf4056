// Unit names where space is short (the summary's table, its buttons and its chart): a short name without the words
// every union shares ("Công đoàn", "Công ty Cổ phần" → "CTCP"), and, when even that does not fit, a cut in the
// MIDDLE that keeps the part telling two similar names apart ("CTCP Thủy điện Nậm Na 2" and "… Nậm Na 3" stay
// distinct, where cutting the end would show the same text twice).

/** Leading words that only say "a union" (Công đoàn …, Nghiệp đoàn cơ sở …). */
const UNION_PREFIXES: readonly [RegExp, string][] = [
  [/^Công đoàn cơ sở\s+/iu, ""],
  [/^Nghiệp đoàn cơ sở\s+/iu, "NĐCS "],
  [/^Công đoàn\s+(?=\S)/iu, ""],
];

/** Usual Vietnamese abbreviations of words that make names long. */
const ABBREVIATIONS: readonly [RegExp, string][] = [
  [/\bLiên đoàn Lao động\b/giu, "LĐLĐ"],
  [/\bCông ty Cổ phần\b/giu, "CTCP"],
  [/\bCông ty Trách nhiệm hữu hạn\b/giu, "Cty TNHH"],
  [/\bCông ty TNHH\b/giu, "Cty TNHH"],
  [/\bCông ty\b/giu, "Cty"],
  [/\bTrung học phổ thông\b/giu, "THPT"],
  [/\bTrung học cơ sở\b/giu, "THCS"],
  [/\bBệnh viện Đa khoa\b/giu, "BVĐK"],
  [/\bHợp tác xã\b/giu, "HTX"],
  [/\bChi nhánh\b/giu, "CN"],
  [/\bKhu công nghiệp\b/giu, "KCN"],
];

/** "Công đoàn Công ty Cổ phần Thủy điện Nậm Na 2" → "CTCP Thủy điện Nậm Na 2"; "Công đoàn phường Tân Phong" → "Phường Tân Phong". */
export function shortUnitName(name: string): string {
  let s = name.trim().replace(/\s+/g, " ");
  for (const [pattern, replacement] of UNION_PREFIXES) {
    const next = s.replace(pattern, replacement);
    if (next !== s) {
      s = next;
      break;
    }
  }
  for (const [pattern, replacement] of ABBREVIATIONS) s = s.replace(pattern, replacement);
  s = s.trim();
  if (s.length === 0) return name.trim();
  return s.charAt(0).toLocaleUpperCase("vi") + s.slice(1);
}

/** Short names for a list of units; two units whose short names would read the same keep their full names. */
export function shortUnitNames(names: readonly string[]): string[] {
  const short = names.map(shortUnitName);
  const seen = new Map<string, number>();
  for (const s of short) seen.set(s, (seen.get(s) ?? 0) + 1);
  return short.map((s, i) => ((seen.get(s) ?? 0) > 1 ? names[i]!.trim() : s));
}

const ELLIPSIS = "…";

/** Length in characters as a person counts them (a Vietnamese letter with its marks is one, in NFC). */
export const charCount = (s: string): number => [...s].length;

/** How many characters `label` shares from its start with the most similar other label. */
function sharedStart(label: string, others: readonly string[]): number {
  const chars = [...label];
  let longest = 0;
  for (const other of others) {
    if (other === label) continue;
    const o = [...other];
    let i = 0;
    while (i < chars.length && i < o.length && chars[i] === o[i]) i++;
    longest = Math.max(longest, i);
  }
  return longest;
}

/** The ends of the words of `chars` (indexes just after each word). */
function wordEnds(chars: readonly string[]): number[] {
  const ends: number[] = [];
  for (let i = 1; i <= chars.length; i++) if (i === chars.length || (chars[i] === " " && chars[i - 1] !== " ")) ends.push(i);
  return ends;
}

/**
 * Each label made to fit (`fits` says whether a text fits, e.g. by measureText or by a character count), keeping
 * what tells it apart from the others. A label that does not fit is cut:
 * - at its end, after a whole word, when what is left still shows the first word in which it differs from the most
 *   similar other label ("Trường Phổ thông Dân tộc Nội trú…" beside "Trường THPT Chuyên …");
 * - otherwise in its middle, keeping its distinguishing end ("Cty TNHH Một thành viên…Lai Châu số 2").
 * Labels that fit are unchanged.
 */
export function fitLabels(labels: readonly string[], fits: (text: string) => boolean): string[] {
  return labels.map((label) => {
    if (fits(label)) return label;
    const chars = [...label];
    const text = (from: number, to: number) => chars.slice(from, to).join("").trim();
    const shared = sharedStart(label, labels);
    const ends = wordEnds(chars);
    // The end of the word in which it starts to differ (the first word when nothing is shared).
    const differs = ends.find((end) => end > shared) ?? chars.length;

    // 1. Cut at the end, after the longest run of whole words that fits and still shows where it differs.
    for (let i = ends.length - 1; i >= 0; i--) {
      const end = ends[i]!;
      if (end < differs) break;
      const candidate = `${text(0, end)}${ELLIPSIS}`;
      if (end < chars.length && fits(candidate)) return candidate;
    }

    // 2. Cut in the middle: the tail from the word where it differs (at least the last two words' worth of
    //    characters, so "số 2" reads "Lai Châu số 2"), shortened from its start if even that is too long…
    let tailStart = differs;
    while (tailStart > 0 && chars[tailStart - 1] !== " ") tailStart--;
    while (tailStart > 0 && chars.length - tailStart < 10) {
      tailStart--;
      while (tailStart > 0 && chars[tailStart - 1] !== " ") tailStart--;
    }
    while (tailStart < chars.length - 1 && !fits(`${ELLIPSIS}${text(tailStart, chars.length)}`)) tailStart++;
    const tail = text(tailStart, chars.length);
    // …then as many whole words of the beginning as fit before it (or letters, when not even one word fits).
    const headEnds = ends.filter((end) => end < tailStart).reverse();
    for (const end of headEnds) {
      const candidate = `${text(0, end)}${ELLIPSIS}${tail}`;
      if (fits(candidate)) return candidate;
    }
    let head = tailStart;
    while (head > 0 && !fits(`${text(0, head)}${ELLIPSIS}${tail}`)) head--;
    return head > 0 ? `${text(0, head)}${ELLIPSIS}${tail}` : `${ELLIPSIS}${tail}`;
  });
}
