// Just enough of a PDF reader for tests: the objects, their (inflated) streams, the page boxes, the
// embedded fonts, and the text drawn on the pages, decoded through each font's ToUnicode map (pdfkit
// writes text as glyph ids of embedded, subset fonts, so the text is not in the file as such).
import { inflateSync } from "node:zlib";
import jsQRModule from "jsqr";
import { PNG } from "pngjs";

interface PdfObject {
  num: number;
  dict: string;
  stream?: Buffer;
}

export interface PdfSummary {
  pages: { mediaBox: number[] }[];
  /** BaseFont names of embedded fonts (those with a FontFile2/FontFile3 in their descriptor). */
  embeddedFonts: string[];
  /** The text of each BT…ET block, in drawing order. */
  text: string[];
}

function objects(pdf: Buffer): Map<number, PdfObject> {
  const s = pdf.toString("latin1");
  const out = new Map<number, PdfObject>();
  const re = /(\d+) 0 obj\b/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) {
    const start = m.index + m[0].length;
    const end = s.indexOf("endobj", start);
    const body = s.slice(start, end);
    const streamAt = body.search(/\bstream\r?\n/);
    if (streamAt < 0) {
      out.set(Number(m[1]), { num: Number(m[1]), dict: body });
      continue;
    }
    const dict = body.slice(0, streamAt);
    const dataStart = start + streamAt + (body.slice(streamAt).match(/^stream\r?\n/)?.[0].length ?? 7);
    const length = Number(/\/Length (\d+)/.exec(dict)?.[1]);
    let stream = pdf.subarray(dataStart, dataStart + length);
    if (/\/FlateDecode/.test(dict)) stream = inflateSync(stream);
    out.set(Number(m[1]), { num: Number(m[1]), dict, stream });
    re.lastIndex = end;
  }
  return out;
}

/** A ToUnicode CMap as glyph code → text. */
function parseCMap(cmap: string): Map<number, string> {
  const map = new Map<number, string>();
  const hexText = (hex: string) => {
    const units: number[] = [];
    for (let i = 0; i < hex.length; i += 4) units.push(parseInt(hex.slice(i, i + 4), 16));
    return String.fromCharCode(...units);
  };
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const line of block[1]!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F]+>)/g)) {
      const from = parseInt(line[1]!, 16);
      const to = parseInt(line[2]!, 16);
      const target = line[3]!;
      if (target.startsWith("[")) {
        [...target.matchAll(/<([0-9a-fA-F]+)>/g)].forEach((t, i) => map.set(from + i, hexText(t[1]!)));
      } else {
        const base = parseInt(target.slice(1, -1), 16);
        for (let code = from; code <= to; code++) map.set(code, String.fromCharCode(base + code - from));
      }
    }
  }
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const line of block[1]!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g)) map.set(parseInt(line[1]!, 16), hexText(line[2]!));
  }
  return map;
}

const ref = (dict: string, key: string) => Number(new RegExp(`/${key}\\s+(\\d+) 0 R`).exec(dict)?.[1]);

export function readPdf(pdf: Buffer): PdfSummary {
  const objs = objects(pdf);
  const pages = [...objs.values()].filter((o) => /\/Type\s*\/Page\b/.test(o.dict));
  const embeddedFonts: string[] = [];
  const cmaps = new Map<number, Map<number, string>>();
  for (const o of objs.values()) {
    if (!/\/Type\s*\/Font\b/.test(o.dict) || !/\/Subtype\s*\/Type0/.test(o.dict)) continue;
    const toUnicode = objs.get(ref(o.dict, "ToUnicode"));
    if (toUnicode?.stream) cmaps.set(o.num, parseCMap(toUnicode.stream.toString("latin1")));
    const descendant = objs.get(Number(/\/DescendantFonts\s*\[\s*(\d+) 0 R/.exec(o.dict)?.[1]));
    const descriptor = descendant && objs.get(ref(descendant.dict, "FontDescriptor"));
    if (descriptor && /\/FontFile[23]?\s+\d+ 0 R/.test(descriptor.dict)) {
      embeddedFonts.push(/\/BaseFont\s*\/([^\s/]+)/.exec(o.dict)?.[1] ?? "?");
    }
  }
  const text: string[] = [];
  for (const page of pages) {
    const resources = objs.get(ref(page.dict, "Resources"));
    const fontDict = /\/Font\s*<<([\s\S]*?)>>/.exec(resources?.dict ?? "")?.[1] ?? "";
    const fontByName = new Map([...fontDict.matchAll(/\/(\w+)\s+(\d+) 0 R/g)].map((m) => [m[1]!, Number(m[2])]));
    const content = objs.get(ref(page.dict, "Contents"))?.stream?.toString("latin1") ?? "";
    for (const block of content.matchAll(/BT([\s\S]*?)ET/g)) {
      let cmap: Map<number, string> | undefined;
      let line = "";
      for (const op of block[1]!.matchAll(/\/(\w+)\s+[\d.]+\s+Tf|\[([^\]]*)\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj/g)) {
        if (op[1]) cmap = cmaps.get(fontByName.get(op[1]) ?? -1);
        const hexes = op[2] !== undefined ? [...op[2].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => h[1]!) : op[3] !== undefined ? [op[3]] : [];
        for (const hex of hexes) {
          for (let i = 0; i < hex.length; i += 4) line += cmap?.get(parseInt(hex.slice(i, i + 4), 16)) ?? "\uFFFD";
        }
      }
      text.push(line);
    }
  }
  return {
    pages: pages.map((p) => ({ mediaBox: (/\/MediaBox\s*\[([^\]]*)\]/.exec(p.dict)?.[1] ?? "").trim().split(/\s+/).map(Number) })),
    embeddedFonts,
    text,
  };
}

// jsqr is CommonJS whose exports are the function itself (with .default too); its types only know .default.
const jsQR = (jsQRModule as unknown as { default: typeof jsQRModule.default }).default;

/** The text a QR code in a PNG carries, or null when none is found. */
export function decodeQr(png: Buffer): { text: string; width: number; height: number } | null {
  const image = PNG.sync.read(png);
  const code = jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length), image.width, image.height);
  return code ? { text: code.data, width: image.width, height: image.height } : null;
}
