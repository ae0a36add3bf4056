// A data subject's request must be answered in time (DATA_REQUEST_DAYS): the daily pg-boss job sends the chair each
// request due within a week again, with its buttons and how long is left, then says when it is overdue; a request
// answered meanwhile is not sent again. The job runs through pg-boss with the app's clock moved forward.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REQUEST_REMINDER_QUEUE } from "../../src/bot/privacy/request-reminders.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { decideApplication } from "../../src/membership/applications.ts";
import { formatMemberNumber } from "../../src/membership/numbers.ts";
import { requestCorrection } from "../../src/privacy/corrections.ts";
import { requestErasure } from "../../src/privacy/erasure.ts";
import { formatVietnamDate } from "../../src/shared/time.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { fileApplication, grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const DAY = 86_400_000;

describe("reminders of data requests near their deadline", () => {
  let h: Harness;
  let now = new Date();
  const start = new Date();
  const chairUser = { id: 910, first_name: "Chủ tịch" };
  let chair: Chat;
  beforeAll(async () => {
    h = await startHarness({ app: { clock: () => now } });
    await loadDemo(h.db.prisma);
    const chairId = (await grant(h.db.prisma, chairUser, "CHAIR", "LC-DK-CSLC")).id;
    chair = new Chat(h.fake, chairUser);
    for (const [id, fullName] of [[9101, "Hà Văn Sáng"], [9102, "Tòng Thị Nhung"]] as const) {
      const filed = await fileApplication(h.db.prisma, { id }, "LC-DK-CSLC", { fullName });
      await decideApplication(h.db.prisma, { applicationId: filed.applicationId, actorId: chairId, decision: { kind: "approve" } });
    }
  });
  afterAll(async () => {
    await h?.close();
  });

  const personOf = async (id: number) => (await h.db.prisma.chatIdentity.findFirstOrThrow({ where: { externalId: String(id) } })).personId;

  /** Runs the daily job once, as its schedule would, and waits until it has finished. */
  async function runJob(at: Date) {
    now = at;
    const jobId = await h.app.boss.send(REQUEST_REMINDER_QUEUE, {});
    await expect.poll(async () => (await h.app.boss.getJobById(REQUEST_REMINDER_QUEUE, jobId!))?.state, { timeout: 15_000 }).toBe("completed");
  }

  it("says nothing while the deadline is far, then sends each request's card again with the days left", async () => {
    const correction = await requestCorrection(h.db.prisma, { personId: await personOf(9101), field: "jobPosition", value: "Tổ trưởng cạo mủ", days: 30, now: start });
    expect(correction).toMatchObject({ ok: true });
    expect(await requestErasure(h.db.prisma, { personId: await personOf(9102), days: 30, now: start })).toMatchObject({ kind: "requested" });
    const due = formatVietnamDate(new Date(start.getTime() + 30 * DAY));

    const before = h.fake.messagesTo(chairUser).length;
    await runJob(new Date(start.getTime() + 10 * DAY));
    expect(h.fake.messagesTo(chairUser).slice(before).some((m) => m.text?.includes("⏰"))).toBe(false);

    await runJob(new Date(start.getTime() + 27 * DAY));
    const reminder = vi("data_request.due", { count: 3, date: due });
    const correctionCard = await chair.expect(vi("corrections.card.heading"));
    expect(correctionCard.text!.startsWith(reminder)).toBe(true);
    expect(correctionCard.text).toContain("Tổ trưởng cạo mủ");
    const erasureCard = await chair.expect(formatMemberNumber((await h.db.prisma.member.findUniqueOrThrow({ where: { personId: await personOf(9102) } })).number));
    expect(erasureCard.text!.startsWith(reminder)).toBe(true);

    // The reminder's own buttons decide the request.
    chair.press(vi("corrections.card.accept"));
    const personId = await personOf(9101);
    await expect.poll(async () => (await h.db.prisma.application.findFirstOrThrow({ where: { personId } })).jobPosition, { timeout: 10_000 }).toBe("Tổ trưởng cạo mủ");
  });

  it("after the deadline says it is overdue, and a request already answered is not sent again", async () => {
    const since = h.fake.messagesTo(chairUser).length;
    await runJob(new Date(start.getTime() + 31 * DAY));
    const overdue = await chair.expect(vi("data_request.overdue", { date: formatVietnamDate(new Date(start.getTime() + 30 * DAY)) }));
    expect(overdue.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual([vi("erasure.approve"), vi("erasure.refuse")]);
    const again = h.fake.messagesTo(chairUser).slice(since).filter((m) => m.text?.includes(vi("corrections.card.heading")));
    expect(again).toHaveLength(0);
  });
});
