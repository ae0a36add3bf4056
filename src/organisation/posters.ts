// Join posters: the deep link that opens the join form with a grassroots union preselected, as a QR
// code (PNG) and as a printable A4 poster (PDF). The poster is always in Vietnamese — it hangs on a
// factory wall — whatever language the person who asked for it chats in.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { tFor } from "../i18n/i18n.ts";
import type { PrismaClient } from "../db/database.ts";

/** What Telegram accepts as a /start payload (and the join form as a unit code). */
const START_PAYLOAD = /^[A-Za-z0-9_-]{1,64}$/;
const BOT_USERNAME = /^[A-Za-z][A-Za-z0-9_]{3,31}$/;

/** `https://t.me/<bot>?start=<unit code>`: opens the bot and the join form with this union chosen. */
export function joinLink(botUsername: string, unitCode: string): string {
  const bot = botUsername.replace(/^@/, "");
  if (!BOT_USERNAME.test(bot)) throw new Error(`not a bot username: ${botUsername}`);
  if (!START_PAYLOAD.test(unitCode)) throw new Error(`unit code cannot be a /start payload: ${unitCode}`);
  return `https://t.me/${bot}?start=${unitCode}`;
}

/** At least this many pixels per side: sharp when printed across a whole A4 page. */
export const QR_MIN_PIXELS = 1000;
/** Blank modules around the code: the quiet zone scanners need. */
const QUIET_ZONE = 4;

/**
 * The link as a QR code (error correction M), black on white, with a whole number of pixels per module
 * so the edges stay crisp. Written as an 8-bit greyscale PNG: a quarter of the size and time of RGBA,
 * and pdfkit can embed it in the poster as it is, without decoding it.
 */
export async function qrPng(link: string): Promise<Buffer> {
  // Loaded on the first poster, not at start (see posterPdf).
  const [{ default: QRCode }, { PNG }] = await Promise.all([import("qrcode"), import("pngjs")]);
  const { modules } = QRCode.create(link, { errorCorrectionLevel: "M" });
  const cells = modules.size + 2 * QUIET_ZONE;
  const scale = Math.ceil(QR_MIN_PIXELS / cells);
  const side = cells * scale;
  const png = new PNG({ width: side, height: side, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  png.data = Buffer.alloc(side * side, 0xff);
  for (let row = 0; row < modules.size; row++) {
    for (let col = 0; col < modules.size; col++) {
      if (!modules.get(row, col)) continue;
      const top = (row + QUIET_ZONE) * scale;
      const left = (col + QUIET_ZONE) * scale;
      for (let y = top; y < top + scale; y++) png.data.fill(0, y * side + left, y * side + left + scale);
    }
  }
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, deflateLevel: 6 });
}

// Be Vietnam Pro (SIL Open Font License 1.1), drawn for Vietnamese, from @expo-google-fonts/be-vietnam-pro.
const require = createRequire(import.meta.url);
const FONT_FILES = {
  regular: "@expo-google-fonts/be-vietnam-pro/400Regular/BeVietnamPro_400Regular.ttf",
  bold: "@expo-google-fonts/be-vietnam-pro/700Bold/BeVietnamPro_700Bold.ttf",
} as const;
let fonts: { regular: Buffer; bold: Buffer } | undefined;
function loadFonts() {
  fonts ??= {
    regular: readFileSync(require.resolve(FONT_FILES.regular)),
    bold: readFileSync(require.resolve(FONT_FILES.bold)),
  };
  return fonts;
}

export interface PosterInput {
  unitName: string;
  /** The upper-level union, printed under the name ("Trực thuộc …"). */
  parentName?: string | null;
  link: string;
  /** The QR code PNG of `link` (from qrPng). */
  qr: Buffer;
  /**
   * Set when the bot also runs on Zalo (ZALO_BOT_TOKEN): the poster then names both channels and tells Zalo users
   * what to send (the union's code after /start), with the Zalo bot's name when known.
   */
  zalo?: { botName: string | null; unitCode: string } | null;
}

/** A4 portrait, in points. */
export const A4 = { width: 595.28, height: 841.89 } as const;
const MARGIN = 48;
const BLUE = "#0B4EA2";
const RED = "#D71920";
const INK = "#1A1A1A";
const GREY = "#555555";

/** The printable poster: title, the union's name, the QR code and link, three steps, what membership gives. */
export async function posterPdf(input: PosterInput): Promise<Buffer> {
  // pdfkit (with its font and image libraries) is a large load that few processes need: on the first poster.
  const { default: PDFDocument } = await import("pdfkit");
  const t = tFor("vi");
  const { regular, bold } = loadFonts();
  const doc = new PDFDocument({
    size: "A4",
    margin: 0,
    // Start on the embedded font rather than Helvetica, which has no Vietnamese letters.
    font: require.resolve(FONT_FILES.regular),
    info: { Title: t("posters.pdf.document_title", { unit: input.unitName }), Author: t("posters.pdf.author") },
  });
  doc.registerFont("Regular", regular);
  doc.registerFont("Bold", bold);
  const chunks: Buffer[] = [];
  doc.on("data", (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });

  const width = A4.width - 2 * MARGIN;
  const centred = (text: string, y: number, font: "Regular" | "Bold", size: number, color = INK) => {
    doc.font(font).fontSize(size).fillColor(color).text(text, MARGIN, y, { width, align: "center" });
    return doc.y;
  };

  // Title band.
  doc.rect(0, 0, A4.width, 104).fill(BLUE);
  doc.rect(0, 104, A4.width, 6).fill(RED);
  const title = t("posters.pdf.title");
  const titleSize = fitSize(doc, title, "Bold", width, 30, 18);
  centred(title, 52 - titleSize * 0.7, "Bold", titleSize, "#FFFFFF");

  // The union.
  let y = 126;
  const nameSize = fitLines(doc, input.unitName, "Bold", width, 24, 13, 2);
  y = centred(input.unitName, y, "Bold", nameSize, RED);
  if (input.parentName) y = centred(t("posters.pdf.parent", { parent: input.parentName }), y + 4, "Regular", 12, GREY);
  // The channels the bot is on.
  y = centred(t(input.zalo ? "posters.pdf.channels_zalo" : "posters.pdf.channels"), y + 6, "Bold", 13, BLUE);

  // The QR code and the link under it.
  y += 10;
  y = centred(t("posters.pdf.scan"), y, "Bold", 15, INK);
  const qrSize = input.zalo ? 190 : 250;
  const qrTop = y + 8;
  doc.image(input.qr, (A4.width - qrSize) / 2, qrTop, { width: qrSize, height: qrSize });
  y = qrTop + qrSize + 8;
  y = centred(t("posters.pdf.no_scan"), y, "Regular", 10, GREY);
  const linkSize = fitSize(doc, input.link, "Bold", width, 14, 8);
  y = centred(input.link, y + 2, "Bold", linkSize, BLUE);

  // On Zalo: no QR code of its own (Zalo bots have no start links): what to send, the command on a line of its own
  // so that the union's code is never broken across lines.
  if (input.zalo) {
    const text = input.zalo.botName ? t("posters.pdf.zalo", { name: input.zalo.botName }) : t("posters.pdf.zalo_unnamed");
    const command = t("posters.pdf.zalo_command", { code: input.zalo.unitCode });
    const inner = width - 40;
    const commandSize = fitSize(doc, command, "Bold", inner, 15, 8);
    doc.font("Bold").fontSize(12);
    const textHeight = doc.heightOfString(text, { width: inner });
    doc.font("Bold").fontSize(commandSize);
    const boxHeight = textHeight + doc.currentLineHeight(true) + 16;
    const boxTop = y + 8;
    doc.roundedRect(MARGIN + 10, boxTop, width - 20, boxHeight, 6).fill("#E8F0FB");
    doc.font("Bold").fontSize(12).fillColor(INK).text(text, MARGIN + 20, boxTop + 7, { width: inner, align: "center" });
    doc.font("Bold").fontSize(commandSize).fillColor(BLUE).text(command, MARGIN + 20, doc.y + 2, { width: inner, align: "center", lineBreak: false });
    y = boxTop + boxHeight;
  }

  // Three steps, side by side.
  y += 14;
  y = centred(t("posters.pdf.steps_title"), y, "Bold", 16, BLUE);
  const steps = [t("posters.pdf.step1"), t("posters.pdf.step2"), t("posters.pdf.step3")];
  const column = width / steps.length;
  const stepsTop = y + 6;
  let stepsBottom = stepsTop;
  steps.forEach((step, i) => {
    const cx = MARGIN + column * i + column / 2;
    doc.circle(cx, stepsTop + 16, 16).fill(RED);
    doc.font("Bold").fontSize(16).fillColor("#FFFFFF").text(String(i + 1), cx - 16, stepsTop + 6, { width: 32, align: "center" });
    doc.font("Regular").fontSize(12).fillColor(INK).text(step, cx - column / 2 + 6, stepsTop + 38, { width: column - 12, align: "center" });
    stepsBottom = Math.max(stepsBottom, doc.y);
  });

  // What membership gives.
  y = stepsBottom + 14;
  doc.font("Bold").fontSize(14).fillColor(BLUE).text(t("posters.pdf.benefits_title"), MARGIN + 24, y, { width: width - 48 });
  for (const key of ["posters.pdf.benefit1", "posters.pdf.benefit2", "posters.pdf.benefit3"] as const) {
    doc.font("Regular").fontSize(12).fillColor(INK).text(`•  ${t(key)}`, MARGIN + 36, doc.y + 3, { width: width - 60 });
  }

  // Footer band.
  const footerTop = A4.height - 76;
  doc.rect(0, footerTop, A4.width, 76).fill(BLUE);
  centred(t("posters.pdf.footer"), footerTop + 14, "Bold", 16, "#FFFFFF");
  centred(t("posters.pdf.privacy"), footerTop + 42, "Regular", 10, "#FFFFFF");

  doc.end();
  return done;
}

/** The largest size (down to `min`) at which `text` fits on one line. */
function fitSize(doc: PDFKit.PDFDocument, text: string, font: string, width: number, max: number, min: number): number {
  for (let size = max; size > min; size--) {
    if (doc.font(font).fontSize(size).widthOfString(text) <= width) return size;
  }
  return min;
}

/** The largest size (down to `min`) at which `text` wraps into at most `lines` lines. */
function fitLines(doc: PDFKit.PDFDocument, text: string, font: string, width: number, max: number, min: number, lines: number): number {
  for (let size = max; size > min; size--) {
    doc.font(font).fontSize(size);
    if (doc.heightOfString(text, { width }) <= doc.currentLineHeight(true) * lines + 1) return size;
  }
  return min;
}

/** A union as its poster shows it: name, code, and the name of the union above it. */
export async function posterUnit(prisma: PrismaClient, unitId: string) {
  const unit = await prisma.unit.findUnique({
    where: { id: unitId },
    select: { id: true, code: true, name: true, type: true, closedAt: true, parent: { select: { name: true } } },
  });
  if (!unit) return null;
  const { parent, ...rest } = unit;
  return { ...rest, parentName: parent?.name ?? null };
}

export type SourceKind = "poster" | "link" | "none";

export interface SourceCount {
  /** The deep-link payload, or null for applications that came without one. */
  source: string | null;
  /** "poster": a unit's code (a join poster or its link); "link": another payload; "none": no payload. */
  kind: SourceKind;
  count: number;
}

/**
 * How the applications for a union came in: counts per deep-link payload (the union's poster code,
 * another unit's code, another link, none), most first (ties: posters, links, none). Counts applications whose workplace is the
 * unit or that were routed to it.
 */
export async function applicationsBySource(prisma: PrismaClient, unitId: string): Promise<SourceCount[]> {
  const groups = await prisma.application.groupBy({
    by: ["source"],
    where: { OR: [{ unitId }, { routedUnitId: unitId }] },
    _count: { _all: true },
  });
  const payloads = groups.map((g) => g.source).filter((s): s is string => s !== null);
  const codes = new Set(
    payloads.length === 0
      ? []
      : (
          await prisma.unit.findMany({
            where: { code: { in: [...new Set(payloads.map((p) => p.trim().toUpperCase()))] } },
            select: { code: true },
          })
        ).map((u) => u.code),
  );
  return groups
    .map((g): SourceCount => ({
      source: g.source,
      kind: g.source === null ? "none" : codes.has(g.source.trim().toUpperCase()) ? "poster" : "link",
      count: g._count._all,
    }))
    .sort((a, b) => b.count - a.count || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || compare(a.source ?? "", b.source ?? ""));
}

const KIND_ORDER: Record<SourceKind, number> = { poster: 0, link: 1, none: 2 };
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
