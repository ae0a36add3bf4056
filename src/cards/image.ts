// The member card as a picture (PNG, the proportions of a bank card at 300 dpi): name, member number, union and
// admission day, and the QR code that proves them (./token.ts). Always in Vietnamese, like the posters: it is shown
// to a union officer or an employer, whatever language its member chats in. Long names and union names wrap or
// shrink to fit; nothing is cut.
import { tFor } from "../i18n/i18n.ts";
import { formatMemberNumber } from "../membership/numbers.ts";
import type { SKRSContext2D } from "@napi-rs/canvas";
import { canvasModule, fitBlock, FONT, type TextBlock } from "../shared/canvas.ts";
import { formatVietnamDate } from "../shared/time.ts";
import type { MemberCard } from "./card.ts";

export const CARD_WIDTH = 1012;
export const CARD_HEIGHT = 638;
const BAND = 118;
const MARGIN = 44;
const QR_SIDE = 330;
const TEXT_WIDTH = CARD_WIDTH - 3 * MARGIN - QR_SIDE;
const COLOURS = { band: "#b71c1c", bandText: "#ffffff", label: "#5f6368", value: "#111111", paper: "#fffdf7" } as const;

export async function cardPng(card: MemberCard): Promise<Buffer> {
  const t = tFor("vi");
  const { default: QRCode } = await import("qrcode");
  const { createCanvas } = canvasModule();
  const canvas = createCanvas(CARD_WIDTH, CARD_HEIGHT);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = COLOURS.paper;
  ctx.fillRect(0, 0, CARD_WIDTH, CARD_HEIGHT);

  ctx.fillStyle = COLOURS.band;
  ctx.fillRect(0, 0, CARD_WIDTH, BAND);
  ctx.fillStyle = COLOURS.bandText;
  ctx.textBaseline = "alphabetic";
  const heading = fitBlock(t("card.image.heading"), CARD_WIDTH - 2 * MARGIN, { bold: true, max: 40, min: 24, wrap: 24 });
  drawBlock(ctx, heading, MARGIN, 56);
  const title = fitBlock(t("card.image.title"), CARD_WIDTH - 2 * MARGIN, { bold: false, max: 28, min: 18, wrap: 18 });
  drawBlock(ctx, title, MARGIN, 98);

  ctx.fillStyle = COLOURS.band;
  ctx.fillRect(0, CARD_HEIGHT - 16, CARD_WIDTH, 16);

  let y = BAND + 54;
  const field = (label: string, value: string, style: { max: number; min: number; bold: boolean }) => {
    ctx.fillStyle = COLOURS.label;
    ctx.font = `20px '${FONT}'`;
    ctx.fillText(label, MARGIN, y);
    y += 12;
    const block = fitBlock(value, TEXT_WIDTH, { ...style, wrap: style.min });
    ctx.fillStyle = COLOURS.value;
    drawBlock(ctx, block, MARGIN, y + block.size);
    y += block.lines.length * block.lineHeight + 44;
  };
  field(t("card.image.name"), card.fullName.toLocaleUpperCase("vi"), { bold: true, max: 40, min: 24 });
  field(t("card.image.number"), formatMemberNumber(card.number), { bold: true, max: 34, min: 34 });
  field(t("card.image.union"), card.unitName, { bold: false, max: 26, min: 20 });
  field(t("card.image.joined"), formatVietnamDate(card.joinedAt), { bold: false, max: 26, min: 26 });

  const qrTop = BAND + 48;
  const qrLeft = CARD_WIDTH - MARGIN - QR_SIDE;
  const { modules } = QRCode.create(card.qrText, { errorCorrectionLevel: "M" });
  // A white quiet zone of 4 modules around the code, the size scanners need; whole pixels per module keep edges sharp.
  const cell = Math.floor(QR_SIDE / (modules.size + 8));
  const offset = Math.floor((QR_SIDE - cell * modules.size) / 2);
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(qrLeft, qrTop, QR_SIDE, QR_SIDE);
  ctx.fillStyle = "#000000";
  for (let row = 0; row < modules.size; row++) {
    for (let col = 0; col < modules.size; col++) {
      if (modules.get(row, col)) ctx.fillRect(qrLeft + offset + col * cell, qrTop + offset + row * cell, cell, cell);
    }
  }
  ctx.fillStyle = COLOURS.label;
  const scan = fitBlock(t("card.image.scan"), QR_SIDE, { bold: false, max: 20, min: 14, wrap: 14 });
  ctx.textAlign = "center";
  drawBlock(ctx, scan, qrLeft + QR_SIDE / 2, qrTop + QR_SIDE + 30);
  return canvas.toBuffer("image/png");
}

function drawBlock(ctx: SKRSContext2D, block: TextBlock, x: number, y: number) {
  ctx.font = block.font;
  block.lines.forEach((line, i) => ctx.fillText(line, x, y + i * block.lineHeight));
}
