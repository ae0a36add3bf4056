// The member card that proves membership: sent as a picture on approval and on /card (as text on Zalo, which takes
// no uploaded pictures), its QR code read back from the picture the fake Telegram received, and checked on the
// bot's real HTTP server and through the operator CLI. It verifies until the member leaves or is erased; an altered
// or forged code, or one signed with a retired key, never does. Telegram and Zalo are faked at their HTTP APIs.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NOTIFY_APPLICANT } from "../../src/bot/decision/notify-applicant.ts";
import { keyRingFromText, retireStoredKey, rotateStoredKey } from "../../src/cards/keys.ts";
import { qrTextIn } from "../../src/cards/read-qr.ts";
import { signCardToken } from "../../src/cards/token.ts";
import { zaloChatId } from "../../src/channels/address.ts";
import { cardCommands } from "../../src/cli/cards.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { decideApplication } from "../../src/membership/applications.ts";
import { recordLeaving } from "../../src/membership/members.ts";
import { formatMemberNumber } from "../../src/membership/numbers.ts";
import { erasePerson } from "../../src/privacy/erasure.ts";
import { formatVietnamDate, vietnamDate } from "../../src/shared/time.ts";
import { FakeZalo } from "../fake-zalo/server.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { cliConfig, cliFiles } from "../support/cli-files.ts";
import { fileApplication, grant, loadDemo } from "../support/fixtures.ts";
import { freePort } from "../support/ports.ts";

const vi = tFor("vi");
const UNION = "Công đoàn Công ty Cổ phần Cao su Lai Châu";
const VERIFY = /(http:\/\/127\.0\.0\.1:\d+\/verify\/\S+)/;

describe("the member card", () => {
  let h: Harness;
  let zalo: FakeZalo;
  let publicUrl: string;
  let chairId: string;
  const files = cliFiles("card-");

  beforeAll(async () => {
    zalo = await FakeZalo.start();
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    h = await startHarness({ env: { ZALO_BOT_TOKEN: zalo.token, ZALO_API_ROOT: zalo.apiRoot, PORT: String(port), PUBLIC_URL: publicUrl } });
    await loadDemo(h.db.prisma);
    chairId = (await grant(h.db.prisma, { id: 800 }, "CHAIR", "LC-DK-CSLC")).id;
  });
  afterAll(async () => {
    await h?.close();
    await zalo?.close();
  });

  /** Files and approves an application, then runs the job that tells the applicant (as a chair's press does). */
  async function admit(applicant: Parameters<typeof fileApplication>[1], fullName: string) {
    const filed = await fileApplication(h.db.prisma, applicant, "LC-DK-CSLC", { fullName });
    expect(await decideApplication(h.db.prisma, { applicationId: filed.applicationId, actorId: chairId, decision: { kind: "approve" } })).toMatchObject({ ok: true });
    await h.app.boss.send(NOTIFY_APPLICANT, { applicationId: filed.applicationId });
    return { ...filed, member: await h.db.prisma.member.findUniqueOrThrow({ where: { personId: filed.personId } }) };
  }

  /** The next card picture sent to this Telegram user after `since` uploads, and what its QR code says. */
  async function cardPicture(userId: number, since: number) {
    let upload: (typeof h.fake.uploads)[number] | undefined;
    await expect.poll(() => (upload = h.fake.uploads.slice(since).find((u) => u.chatId === String(userId) && u.method === "sendPhoto")), { timeout: 15_000 }).toBeDefined();
    const qr = await qrTextIn(upload!.data!);
    expect(qr).not.toBeNull();
    return { png: upload!.data!, qr: qr! };
  }

  async function page(link: string) {
    const response = await fetch(link, { headers: { "accept-language": "vi-VN,vi;q=0.9" } });
    return { status: response.status, html: await response.text() };
  }

  const valid = (member: { number: number; joinedAt: Date }, name: string) =>
    vi("card.verify.valid", { number: formatMemberNumber(member.number), name, unit: UNION, date: formatVietnamDate(member.joinedAt) });

  let hương: { link: string; png: Buffer; number: number };

  it("a new member on Telegram gets the card picture on approval; its QR code opens a page that says valid", async () => {
    const worker = { id: 8101, first_name: "Hương" };
    const since = h.fake.uploads.length;
    const { member } = await admit(worker, "Nguyễn Thị Thu Hương");
    const chat = new Chat(h.fake, worker);
    await chat.expect(vi("decision.approved_applicant"));
    const { png, qr } = await cardPicture(worker.id, since);
    expect(qr.startsWith(`${publicUrl}/verify/`)).toBe(true);
    const caption = await chat.expect(vi("card.caption"));
    expect(caption.caption).toContain(qr);

    const answer = await page(qr);
    expect(answer.status).toBe(200);
    expect(answer.html).toContain(valid(member, "N. T. T. Hương"));
    // The page shows what the card shows, the name shortened: a leaked link does not give a stranger the full name.
    expect(answer.html).not.toContain("Nguyễn Thị Thu Hương");
    hương = { link: qr, png, number: member.number };

    const image = join(files.dir, "card.png");
    await writeFile(image, png);
    expect(await cardCommands["verify-card"]!(h.db.prisma, [image], cliConfig)).toBe(0);
  });

  it("an altered or forged code is not valid, on the page and in the CLI", async () => {
    const token = hương.link.split("/verify/")[1]!;
    const [key, number, ...rest] = token.split(".");
    const otherNumber = `${key}.${Number(number) + 1}.${rest.join(".")}`;
    const forged = `${key}.${number}.${rest.slice(0, -1).join(".")}.${"A".repeat(22)}`;
    for (const bad of [otherNumber, forged, "hello", "🪪".repeat(40)]) {
      const answer = await page(`${publicUrl}/verify/${encodeURIComponent(bad)}`);
      expect(answer.status, bad).toBe(404);
      expect(answer.html).toContain(vi("card.verify.invalid"));
      expect(answer.html).not.toContain(UNION);
    }
    expect(await cardCommands["verify-card"]!(h.db.prisma, [otherNumber], cliConfig)).toBe(1);
    // The member number alone, typed by someone who has no card, proves nothing.
    expect(await cardCommands["verify-card"]!(h.db.prisma, [formatMemberNumber(hương.number)], cliConfig)).toBe(1);
  });

  it("on Zalo /card gives the card as text with its check link, which verifies until the member leaves", async () => {
    const zaloId = "c4rd0000000000000001";
    const { member } = await admit({ channel: "ZALO", externalId: zaloId, chatId: zaloChatId(zaloId) }, "Lò Văn Piềng");
    await zalo.expect(zaloId, vi("decision.approved_applicant"), 15_000);
    zalo.userSends(zaloId, "/card");
    const card = await zalo.expect(zaloId, VERIFY);
    expect(card.text).toContain(formatMemberNumber(member.number));
    expect(card.text).not.toContain(vi("zalo.file_unavailable"));
    const link = VERIFY.exec(card.text!)![1]!;
    expect((await page(link)).html).toContain(valid(member, "L. V. Piềng"));

    const left = await recordLeaving(h.db.prisma, { actorId: chairId, memberId: member.id, reason: "LEFT_COMPANY", leftOn: vietnamDate(new Date()) });
    expect(left).toMatchObject({ ok: true });
    const after = await page(link);
    expect(after.status).toBe(404);
    expect(after.html).toContain(vi("card.verify.no_longer"));
    expect(after.html).not.toContain("Piềng");
    zalo.userSends(zaloId, "/card");
    await zalo.expect(zaloId, vi("card.not_member"));
  });

  it("an erased member's card no longer verifies", async () => {
    const worker = { id: 8102 };
    const since = h.fake.uploads.length;
    await admit(worker, "Giàng Thị Mai");
    const { qr } = await cardPicture(worker.id, since);
    expect((await page(qr)).status).toBe(200);
    const { personId } = (await h.db.prisma.chatIdentity.findFirstOrThrow({ where: { externalId: String(worker.id) } }));
    expect(await erasePerson(h.db.prisma, personId, { actorId: chairId })).toMatchObject({ ok: true });
    const after = await page(qr);
    expect(after.status).toBe(404);
    expect(after.html).toContain(vi("card.verify.no_longer"));
  });

  it("/card for someone who is not a member says how to see their application", async () => {
    const stranger = new Chat(h.fake, { id: 8103 });
    stranger.send("/card");
    await stranger.expect(vi("card.not_member"));
  });

  it("rotating the stored key: old cards verify until their key is retired; /card then signs with the new key", async () => {
    const oldToken = hương.link.split("/verify/")[1]!;
    const oldKey = oldToken.split(".")[0]!;
    const newKey = await rotateStoredKey(h.db.prisma);
    expect((await page(hương.link)).status).toBe(200);

    const since = h.fake.uploads.length;
    new Chat(h.fake, { id: 8101 }).send("/card");
    const { qr } = await cardPicture(8101, since);
    expect(qr.split("/verify/")[1]!.startsWith(`${newKey}.`)).toBe(true);

    expect(await retireStoredKey(h.db.prisma, oldKey)).toBe(true);
    const old = await page(hương.link);
    expect(old.status).toBe(404);
    expect(old.html).toContain(vi("card.verify.invalid"));
    expect((await page(qr)).html).toContain(valid({ number: hương.number, joinedAt: (await h.db.prisma.member.findUniqueOrThrow({ where: { number: hương.number } })).joinedAt }, "N. T. T. Hương"));
    expect(await cardCommands["verify-card"]!(h.db.prisma, [join(files.dir, "card.png")], cliConfig)).toBe(1);
  });

  it("keys from CARD_SIGNING_KEYS: a card signed with them verifies under them and under nothing else", async () => {
    const member = await h.db.prisma.member.findUniqueOrThrow({ where: { number: hương.number } });
    const configured = "ops1:" + "Z".repeat(40);
    const joined = formatVietnamDate(member.joinedAt).split("/").reverse().join("");
    const token = signCardToken(keyRingFromText(configured), { number: member.number, unitCode: "LC-DK-CSLC", day: joined });
    expect(await cardCommands["verify-card"]!(h.db.prisma, [token], { ...cliConfig, CARD_SIGNING_KEYS: configured })).toBe(0);
    expect(await cardCommands["verify-card"]!(h.db.prisma, [token], cliConfig)).toBe(1);
    expect(await cardCommands["card-key"]!(h.db.prisma, ["rotate"], { ...cliConfig, CARD_SIGNING_KEYS: configured })).toBe(2);
  });
});
