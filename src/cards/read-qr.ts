// Reading a card's QR code back from a picture (a photo or the PNG the bot sent), for `verify-card <image>`.
import { canvasModule } from "../shared/canvas.ts";

/** The QR code's text, or null when the picture has none; throws when the bytes are not a picture at all. */
export async function qrTextIn(image: Uint8Array): Promise<string | null> {
  // CommonJS whose exports are the function itself; its types only know .default.
  const jsQR = ((await import("jsqr")) as unknown as { default: typeof import("jsqr").default }).default;
  const { createCanvas, loadImage } = canvasModule();
  const picture = await loadImage(Buffer.from(image));
  // Big phone photos are scaled down first: jsQR's time grows with the pixels, and a card's code stays readable.
  const scale = Math.min(1, 1600 / Math.max(picture.width, picture.height));
  const width = Math.max(1, Math.round(picture.width * scale));
  const height = Math.max(1, Math.round(picture.height * scale));
  const ctx = createCanvas(width, height).getContext("2d");
  ctx.drawImage(picture, 0, 0, width, height);
  const { data } = ctx.getImageData(0, 0, width, height);
  return jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), width, height)?.data ?? null;
}
