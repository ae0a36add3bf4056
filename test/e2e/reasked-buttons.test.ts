// Every button question of every form but the join form (test/e2e/reasked-buttons-join.test.ts walks that one),
// answered the way a hurried person answers it: first something wrong (a word, a sticker), which gets the specific
// "please tap a button" and the same question with the same buttons again; then a tap on a button of that NEW
// message, which must be taken (no "this button is old" in the callback answer) and move the form on, closing the
// buttons of every message that asked the question ("question → answer"). Also: a button of a question already
// answered says so, and a command typed inside a form, or /cancel, names that form.
import type { InlineKeyboardButton, Message } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBroadcast, formatBroadcastRef } from "../../src/broadcasts/broadcasts.ts";
import { weekRange } from "../../src/bot/reports/conversation.ts";
import { addWeeks, weekOf } from "../../src/drive/reports.ts";
import { targetsFor } from "../../src/drive/targets.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { formatMemberNumber } from "../../src/membership/numbers.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { writeXlsx } from "../../src/shared/spreadsheet.ts";
import { toSearchText } from "../../src/shared/text.ts";
import { vietnamDay } from "../../src/shared/time.ts";
import type { TestUser } from "../fake-telegram/server.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { grant, loadDemo, MEMBER_ROLL_COLUMNS } from "../support/fixtures.ts";

const vi = tFor("vi");
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const DK = "Công đoàn phường Đoàn Kết";
const CSLC = "Công đoàn Công ty Cổ phần Cao su Lai Châu";
const AGR = "Công đoàn Agribank Chi nhánh tỉnh Lai Châu";
const XDGT = "Công đoàn Công ty Cổ phần Xây dựng Giao thông Lai Châu";

type Wrong = "text" | "sticker";

/** Today in Vietnam as the forms write it, dd/mm/yyyy. */
function todayText() {
  const { y, m, d } = vietnamDay(new Date());
  return `${String(d).padStart(2, "0")}/${String(m).padStart(2, "0")}/${y}`;
}

const callbackButtons = (m: Message | undefined) =>
  (m?.reply_markup?.inline_keyboard ?? []).flat().filter((b): b is InlineKeyboardButton.CallbackButton => "callback_data" in b);

/** The form's steps, played by one person against one harness. */
class Walk {
  readonly chat: Chat;

  constructor(
    readonly h: Harness,
    readonly user: TestUser,
  ) {
    this.chat = new Chat(h.fake, user);
  }

  /** A message as the person sees it now (edits applied). */
  now(message: Message): Message | undefined {
    return this.h.fake.messagesTo(this.user).find((m) => m.message_id === message.message_id);
  }

  /** Presses a button on this very message; returns the callback answer's text (undefined: taken silently). */
  async pressOn(message: Message, label: string): Promise<string | undefined> {
    const button = callbackButtons(this.now(message)).find((b) => b.text === label);
    if (!button) throw new Error(`no button "${label}" on message ${message.message_id}: ${JSON.stringify(callbackButtons(this.now(message)).map((b) => b.text))}`);
    const press = this.h.fake.pressButton(this.user, message, button.callback_data);
    return (await this.h.fake.waitForCallbackAnswer(press.callbackQueryId)).payload.text as string | undefined;
  }

  /** Presses a button that was on a message when it was sent (its buttons may be gone since, as on a slow phone). */
  async pressOld(message: Message, label: string): Promise<string | undefined> {
    const button = callbackButtons(message).find((b) => b.text === label);
    if (!button) throw new Error(`no button "${label}" on message ${message.message_id} as sent`);
    const press = this.h.fake.pressButton(this.user, message, button.callback_data, { allowUnknownData: true });
    return (await this.h.fake.waitForCallbackAnswer(press.callbackQueryId)).payload.text as string | undefined;
  }

  /** Answers the question wrongly; checks the specific reply, the same question and the same buttons; returns that message. */
  async wrong(question: Message, how: Wrong = "text", problem = vi("form.choose_button"), asked = question.text ?? ""): Promise<Message> {
    if (how === "sticker") this.h.fake.sendSticker(this.user);
    else this.chat.send("sai rồi");
    const again = await this.chat.expect(problem);
    expect(again.text).toBe(`${problem}\n\n${asked}`);
    expect(callbackButtons(again).map((b) => [b.text, b.callback_data])).toEqual(callbackButtons(question).map((b) => [b.text, b.callback_data]));
    return again;
  }

  /**
   * At `question`: a wrong answer first, then `label` pressed on the re-asked message; the press is taken, the form
   * moves on to `next`, and every message that asked the question shows the answer and no buttons.
   */
  async reaskThenPress(question: Message, label: string, next: string | RegExp, how: Wrong = "text"): Promise<Message> {
    const again = await this.wrong(question, how);
    expect(await this.pressOn(again, label)).toBeUndefined();
    const moved = await this.chat.expect(next);
    const shown = label.length > 64 ? `${label.slice(0, 64)}…` : label;
    for (const m of [question, again]) {
      const seen = this.now(m);
      expect(seen?.text).toBe(`${m.text}\n\n→ ${shown}`);
      expect(callbackButtons(seen)).toEqual([]);
    }
    return moved;
  }

  /** A command typed inside the form names the form; /cancel leaves it with that form's words. */
  async busyThenCancel(form: string) {
    await this.chat.answer("/help", vi(`forms.${form}.busy`));
    await this.chat.answer("/cancel", vi(`forms.${form}.cancelled`));
  }
}

describe("re-asked buttons: broadcasts", { timeout: 60_000 }, () => {
  let h: Harness;
  // One officer per test, so no test finds another's form open.
  const OFFICER = { id: 8701, first_name: "Cán bộ phường" };
  const OFFICER2 = { id: 8703, first_name: "Cán bộ phường" };
  const OFFICER3 = { id: 8704, first_name: "Cán bộ phường" };
  const OFFICER4 = { id: 8705, first_name: "Cán bộ phường" };
  let officerId = "";
  let officer4Id = "";

  beforeAll(async () => {
    h = await startHarness({ logLevel: "warn" });
    await loadDemo(h.db.prisma);
    officerId = (await grant(h.db.prisma, OFFICER, "OFFICER", "LC-DK")).id;
    await grant(h.db.prisma, OFFICER2, "OFFICER", "LC-DK");
    await grant(h.db.prisma, OFFICER3, "OFFICER", "LC-DK");
    officer4Id = (await grant(h.db.prisma, OFFICER4, "OFFICER", "LC-DK")).id;
    await grant(h.db.prisma, { id: 8702, first_name: "Chủ tịch" }, "CHAIR", "LC-DK-AGR");
  });
  afterAll(() => h?.close());

  it("/broadcast: every button question, pressed on its re-asked message, moves the broadcast on to being sent", async () => {
    const w = new Walk(h, OFFICER);
    const audience = await w.chat.answer("/broadcast", vi("broadcasts.ask_audience"));
    const unit = await w.reaskThenPress(audience, vi("broadcasts.audience.CHAIRS"), vi("broadcasts.ask_unit", { scope: DK }));
    const language = await w.reaskThenPress(unit, vi("broadcasts.unit_whole"), vi("broadcasts.ask_language"), "sticker");
    const channel = await w.reaskThenPress(language, vi("broadcasts.any_language"), vi("broadcasts.ask_channel"));
    await w.reaskThenPress(channel, vi("broadcasts.any_channel"), vi("broadcasts.count", { count: 1, scope: DK }));
    await w.chat.expect(vi("broadcasts.ask_text", { max: 3500 }));
    const photo = await w.chat.answer("Họp chủ tịch công đoàn #reask", vi("broadcasts.ask_photo"));

    // The photo question is its own (a photo or the "No photo" button), with its own words when the answer is wrong.
    const photoAgain = await w.wrong(photo, "text", vi("broadcasts.errors.photo_expected"));
    expect(await w.pressOn(photoAgain, vi("broadcasts.no_photo"))).toBeUndefined();
    await w.chat.expect(vi("broadcasts.preview_intro"));
    for (const m of [photo, photoAgain]) {
      expect(w.now(m)?.text).toBe(`${m.text}\n\n→ ${vi("broadcasts.no_photo")}`);
      expect(callbackButtons(w.now(m))).toEqual([]);
    }

    const when = await w.chat.expect(vi("broadcasts.ask_when"));
    const urgent = await w.reaskThenPress(when, vi("broadcasts.when_now"), vi("broadcasts.ask_urgent"));
    const summary = vi("broadcasts.summary", {
      audience: vi("broadcasts.audience.CHAIRS"),
      scope: DK,
      language: vi("broadcasts.any_language"),
      channel: vi("broadcasts.any_channel"),
      count: 1,
      when: vi("broadcasts.when_now"),
      urgent: vi("broadcasts.urgent_yes"),
    });
    const confirm = await w.reaskThenPress(urgent, vi("broadcasts.urgent_yes"), summary, "sticker");
    const done = await w.reaskThenPress(confirm, vi("broadcasts.confirm_send"), /TB-\d{6}/);
    const ref = /TB-\d{6}/.exec(done.text ?? "")![0];
    expect(done.text).toBe(vi("broadcasts.created_now", { ref, count: 1 }));
    expect(await h.db.prisma.broadcast.count({ where: { authorId: officerId, text: "Họp chủ tịch công đoàn #reask" } })).toBe(1);
  });

  it("/broadcast: a photo sent after a wrong answer closes the \"No photo\" button of every message that asked", async () => {
    const w = new Walk(h, OFFICER2);
    const audience = await w.chat.answer("/broadcast", vi("broadcasts.ask_audience"));
    await w.reaskThenPress(audience, vi("broadcasts.audience.CHAIRS"), vi("broadcasts.ask_unit", { scope: DK }));
    w.chat.press(vi("broadcasts.unit_whole"));
    await w.chat.expect(vi("broadcasts.ask_language"));
    w.chat.press(vi("broadcasts.any_language"));
    await w.chat.expect(vi("broadcasts.ask_channel"));
    w.chat.press(vi("broadcasts.any_channel"));
    await w.chat.expect(vi("broadcasts.ask_text", { max: 3500 }));
    const photo = await w.chat.answer("Ảnh buổi họp #photo", vi("broadcasts.ask_photo"));
    const again = await w.wrong(photo, "sticker", vi("broadcasts.errors.photo_expected"));
    h.fake.sendPhoto(OFFICER2);
    await w.chat.expect(vi("broadcasts.preview_intro"));
    for (const m of [photo, again]) {
      expect(w.now(m)?.text).toBe(`${m.text}\n\n→ ${vi("broadcasts.photo_added")}`);
      expect(callbackButtons(w.now(m))).toEqual([]);
    }
    const when = await w.chat.expect(vi("broadcasts.ask_when"));
    await w.reaskThenPress(when, vi("broadcasts.when_now"), vi("broadcasts.ask_urgent"));
    w.chat.press(vi("broadcasts.urgent_no"));
    await w.chat.expect(vi("broadcasts.summary", {
      audience: vi("broadcasts.audience.CHAIRS"), scope: DK, language: vi("broadcasts.any_language"), channel: vi("broadcasts.any_channel"),
      count: 1, when: vi("broadcasts.when_now"), urgent: vi("broadcasts.urgent_no"),
    }));
    await w.chat.answer("/cancel", vi("forms.broadcast.cancelled"));
    expect(await h.db.prisma.broadcast.count({ where: { text: "Ảnh buổi họp #photo" } })).toBe(0);
  });

  it("/broadcast: a button of a question already answered says so; /help names the form; /cancel leaves it", async () => {
    const w = new Walk(h, OFFICER3);
    const audience = await w.chat.answer("/broadcast", vi("broadcasts.ask_audience"));
    const again = await w.wrong(audience);
    expect(await w.pressOn(audience, vi("broadcasts.audience.MEMBERS"))).toBeUndefined(); // the first message's buttons live too
    const unit = await w.chat.expect(vi("broadcasts.ask_unit", { scope: DK }));
    // Both messages of the answered question, tapped before the phone showed them closed.
    expect(await w.pressOld(again, vi("broadcasts.audience.CHAIRS"))).toBe(vi("form.already_answered"));
    expect(await w.pressOld(audience, vi("broadcasts.audience.EVERYONE"))).toBe(vi("form.already_answered"));
    // Forged data on the open question's own message is not an answer.
    const forged = h.fake.pressButton(OFFICER3, unit, "f2:nowhere", { allowUnknownData: true });
    expect((await h.fake.waitForCallbackAnswer(forged.callbackQueryId)).payload.text).toBe(vi("form.stale_button"));
    await w.busyThenCancel("broadcast");
    // The form is gone: the unit question's buttons, still on screen, do nothing.
    expect(await w.pressOn(unit, vi("broadcasts.unit_whole"))).toBe(vi("form.stale_button"));
  });

  it("editing a scheduled broadcast (from /broadcasts): /help names the form, /cancel keeps the text", async () => {
    const agr = (await findUnitByCode(h.db.prisma, "LC-DK-AGR"))!;
    const created = await createBroadcast(h.db.prisma, officer4Id, {
      audience: "CHAIRS", scopeUnitId: agr.id, language: null, channel: null, text: "Giữ nguyên #keep", photoFileId: null, urgent: false,
      sendAt: new Date(Date.now() + 2 * 86_400_000),
    });
    if (!created.ok) throw new Error(created.reason);
    const ref = formatBroadcastRef(created.ref);
    const w = new Walk(h, OFFICER4);
    const list = await w.chat.answer("/broadcasts", vi("broadcasts.list_title"));
    expect(await w.pressOn(list, vi("broadcasts.edit_button", { ref }))).toBeUndefined();
    await w.chat.expect(vi("broadcasts.ask_new_text", { ref, max: 3500 }));
    await w.busyThenCancel("broadcast-edit");
    expect((await h.db.prisma.broadcast.findUniqueOrThrow({ where: { id: created.id } })).text).toBe("Giữ nguyên #keep");
  });
});

describe("re-asked buttons: targets and spreadsheet imports", { timeout: 60_000 }, () => {
  let h: Harness;
  const { y } = vietnamDay(new Date());
  const OFFICER = { id: 8711, first_name: "Cán bộ tỉnh" };
  const OFFICER2 = { id: 8712, first_name: "Cán bộ tỉnh" };
  const OFFICER3 = { id: 8713, first_name: "Cán bộ tỉnh" };
  const ADMIN = { id: 8714, first_name: "Quản trị" };
  const CHAIR = { id: 8715, first_name: "Chủ tịch" };
  const ids: Record<string, string> = {};
  const metric = vi("targets.metrics.NET_INCREASE");
  const year = vi("targets.set.periodYear", { year: y });

  beforeAll(async () => {
    h = await startHarness({ logLevel: "warn" });
    await loadDemo(h.db.prisma);
    await grant(h.db.prisma, OFFICER, "OFFICER", "LC");
    await grant(h.db.prisma, OFFICER2, "OFFICER", "LC");
    await grant(h.db.prisma, OFFICER3, "OFFICER", "LC");
    await grant(h.db.prisma, ADMIN, "ADMIN");
    await grant(h.db.prisma, CHAIR, "CHAIR", "LC-DK-XDGT");
    for (const code of ["LC-DK-CSLC", "LC-DK-AGR", "LC-DK-XDGT"]) ids[code] = (await findUnitByCode(h.db.prisma, code))!.id;
  });
  afterAll(() => h?.close());

  it("/set_target: period, metric and the confirm (its \"edit\" too), each pressed on its re-asked message", async () => {
    const w = new Walk(h, OFFICER);
    const period = await w.chat.answer("/set_target lc-dk-cslc", vi("targets.set.askPeriod", { unit: CSLC, code: "LC-DK-CSLC" }));
    const metricAsk = await w.reaskThenPress(period, year, vi("targets.set.askMetric", { period: year }), "sticker");
    const ask = vi("targets.set.askValue", { metric, unit: CSLC, period: year });
    await w.reaskThenPress(metricAsk, vi("targets.set.metricOption", { metric, value: vi("targets.chat.notSet") }), ask);
    const summary = vi("targets.set.summary", { unit: CSLC, code: "LC-DK-CSLC", period: year, metric });
    const confirm = await w.chat.answer("120", summary);
    await w.reaskThenPress(confirm, vi("targets.set.edit"), ask);
    const confirm2 = await w.chat.answer("150", summary);
    expect(confirm2.text).toContain(vi("targets.set.change", { before: vi("targets.chat.notSet"), after: "150" }));
    await w.reaskThenPress(confirm2, vi("targets.set.confirm"), vi("targets.set.saved", { unit: CSLC, metric, period: year, value: "150" }), "sticker");
    expect((await targetsFor(h.db.prisma, ids["LC-DK-CSLC"]!, { year: y })).map((x) => [x.metric, x.value])).toEqual([["NET_INCREASE", 150]]);
  });

  it("/set_target: a button of a question already answered says so; /help names the form; /cancel leaves it", async () => {
    const w = new Walk(h, OFFICER2);
    const period = await w.chat.answer("/set_target lc-dk-agr", vi("targets.set.askPeriod", { unit: AGR, code: "LC-DK-AGR" }));
    expect(await w.pressOn(period, year)).toBeUndefined();
    await w.chat.expect(vi("targets.set.askMetric", { period: year }));
    expect(await w.pressOld(period, vi("targets.set.periodYear", { year: y + 1 }))).toBe(vi("form.already_answered"));
    await w.busyThenCancel("target-set");
    expect(await targetsFor(h.db.prisma, ids["LC-DK-AGR"]!, { year: y })).toEqual([]);
  });

  it("/import_targets: the confirm of a checked file, pressed on its re-asked message, writes it", async () => {
    const w = new Walk(h, OFFICER3);
    await w.chat.answer("/import_targets", vi("targets.importChat.askFile"));
    const csv = Buffer.from(["Mã đơn vị;Chỉ tiêu;Năm;Mã chiến dịch;Giá trị", `LC-DK-AGR;Kết nạp đoàn viên mới;${y};;40`].join("\n"), "utf8");
    h.fake.sendDocument(OFFICER3, { file_name: "chi-tieu.csv", mime_type: "text/csv", content: csv });
    const preview = await w.chat.expect(vi("targets.importChat.preview", { fileName: "chi-tieu.csv", created: 1, updated: 0, unchanged: 0 }));
    await w.reaskThenPress(preview, vi("targets.importChat.confirm"), vi("targets.import.done", { fileName: "chi-tieu.csv", created: 1, updated: 0, unchanged: 0 }));
    expect((await targetsFor(h.db.prisma, ids["LC-DK-AGR"]!, { year: y })).map((x) => [x.metric, x.value])).toEqual([["NEW_MEMBERS", 40]]);
  });

  it("/import_units: the confirm of a checked file, pressed on its re-asked message, writes it", async () => {
    const w = new Walk(h, ADMIN);
    const columns = ["code", "name", "type", "parentCode", "workerCount", "memberCount", "baselineDate", "foundedOn", "closedAt"].map((key) => ({
      key,
      header: vi(`units.columns.${key}`),
    }));
    const file = await writeXlsx([{
      name: "Đơn vị",
      columns,
      rows: [{ code: "LC-TP-RB", name: "Công đoàn cơ sở Thử nút bấm", type: "CĐCS", parentCode: "LC-TP", workerCount: 40, memberCount: 12, baselineDate: null, foundedOn: null, closedAt: null }],
    }]);
    await w.chat.answer("/import_units", vi("units.chat.askFile"));
    h.fake.sendDocument(ADMIN, { file_name: "don-vi.xlsx", mime_type: XLSX, content: file });
    const preview = await w.chat.expect(vi("units.chat.preview", { fileName: "don-vi.xlsx", created: 1, updated: 0, unchanged: 0 }));
    await w.reaskThenPress(preview, vi("units.chat.confirm"), vi("units.import.done", { fileName: "don-vi.xlsx", created: 1, updated: 0, unchanged: 0 }), "sticker");
    expect(await h.db.prisma.unit.findUnique({ where: { code: "LC-TP-RB" } })).toMatchObject({ name: "Công đoàn cơ sở Thử nút bấm", workerCount: 40 });
  });

  it("/import_members: the confirm of a checked roll, pressed on its re-asked message, imports it", async () => {
    const w = new Walk(h, CHAIR);
    const file = await writeXlsx([{
      name: "DS",
      columns: MEMBER_ROLL_COLUMNS,
      rows: [
        { name: "Lò Văn Páo", birth: "05/09/1985", sex: "Nam", phone: "0977 555 101", joined: "01/05/2010" },
        { name: "Tòng Thị Én", birth: "29/02/1992", sex: "Nữ", phone: "0977 555 102", joined: "28/07/2015" },
      ],
    }]);
    await w.chat.answer("/import_members", vi("members.import.ask_file", { unit: XDGT, maxMb: 5 }));
    h.fake.sendDocument(CHAIR, { file_name: "doan-vien.xlsx", mime_type: XLSX, content: file });
    const preview = await w.chat.expect(vi("members.import.preview", { total: 2, created: 2, unchanged: 0, unit: XDGT }));
    await w.reaskThenPress(preview, vi("members.import.confirm", { created: 2 }), vi("members.import.done", { created: 2, unchanged: 0, unit: XDGT }));
    expect(await h.db.prisma.member.count({ where: { unitId: ids["LC-DK-XDGT"]! } })).toBe(2);
  });
});

describe("re-asked buttons: invites, members and posters", { timeout: 60_000 }, () => {
  let h: Harness;
  const ADMIN = { id: 8721, first_name: "Quản trị" };
  const OFFICER_DK = { id: 8722, first_name: "Cán bộ phường" };
  const OFFICER_LC = { id: 8723, first_name: "Cán bộ tỉnh" };
  const CHAIR_TWO = { id: 8724, first_name: "Chủ tịch hai nơi" };
  const CHAIR = { id: 8725, first_name: "Chủ tịch" };
  const CHAIR2 = { id: 8726, first_name: "Phó chủ tịch" };
  const OFFICER_DK2 = { id: 8727, first_name: "Cán bộ phường" };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    h = await startHarness({ logLevel: "warn" });
    await loadDemo(h.db.prisma);
    await grant(h.db.prisma, ADMIN, "ADMIN");
    await grant(h.db.prisma, OFFICER_DK, "OFFICER", "LC-DK");
    await grant(h.db.prisma, OFFICER_DK2, "OFFICER", "LC-DK");
    await grant(h.db.prisma, OFFICER_LC, "OFFICER", "LC");
    await grant(h.db.prisma, CHAIR_TWO, "CHAIR", "LC-DK-AGR");
    await grant(h.db.prisma, CHAIR_TWO, "CHAIR", "LC-DK-XDGT");
    await grant(h.db.prisma, CHAIR, "CHAIR", "LC-DK-CSLC");
    await grant(h.db.prisma, CHAIR2, "DEPUTY_CHAIR", "LC-DK-CSLC");
    for (const code of ["LC-DK-CSLC"]) ids[code] = (await findUnitByCode(h.db.prisma, code))!.id;
  });
  afterAll(() => h?.close());

  async function addMember(fullName: string, phone: string) {
    return h.db.prisma.member.create({
      data: { unitId: ids["LC-DK-CSLC"]!, fullName, searchName: toSearchText(fullName), phone, birthDate: new Date(Date.UTC(1995, 8, 5)), sex: "FEMALE", joinedAt: new Date("2024-05-10T02:00:00Z") },
    });
  }

  /** Opens the leaving form of the only member matching `search`, from the chair's list. */
  async function openLeave(w: Walk, search: string, name: string) {
    const list = await w.chat.answer(`/members ${search}`, vi("members.list.search", { query: search }));
    expect(await w.pressOn(list, "1")).toBeUndefined();
    const detail = await w.chat.expect(`👤 ${name}`);
    expect(await w.pressOn(detail, vi("members.detail.leave"))).toBeUndefined();
  }

  it("/invite: role, a found union (after \"search again\") and validity, each pressed on its re-asked message", async () => {
    const w = new Walk(h, ADMIN);
    const role = await w.chat.answer("/invite", vi("invites.ask_role"));
    await w.reaskThenPress(role, vi("invites.roles.OFFICER"), vi("invites.ask_unit"));
    const pick = await w.chat.answer("doan ket", vi("invites.unit_pick"));
    await w.reaskThenPress(pick, vi("invites.search_again"), vi("invites.ask_unit"), "sticker");
    const pick2 = await w.chat.answer("doan ket", vi("invites.unit_pick"));
    const validity = await w.reaskThenPress(pick2, `${DK} · LC-DK`, vi("invites.ask_validity"));
    const created = await w.reaskThenPress(validity, vi("invites.validity.72"), /https:\/\/t\.me\/\w+\?start=inv_/);
    expect(created.text).toContain(DK);
    expect(await h.db.prisma.invite.count({ where: { role: "OFFICER" } })).toBe(1);
  });

  it("/members (an officer): the union found, after \"search again\", pressed on its re-asked message, opens its list", async () => {
    const w = new Walk(h, OFFICER_DK);
    await w.chat.answer("/members", vi("members.pick.ask"));
    const pick = await w.chat.answer("cao su", vi("members.pick.choose"));
    await w.reaskThenPress(pick, vi("members.pick.again"), vi("members.pick.ask"));
    const pick2 = await w.chat.answer("cao su", vi("members.pick.choose"));
    await w.reaskThenPress(pick2, `${CSLC} (LC-DK-CSLC)`, vi("members.list.title", { unit: CSLC }), "sticker");
  });

  it("/import_members (a chair of two unions): the union, pressed on its re-asked message, asks for the file", async () => {
    const w = new Walk(h, CHAIR_TWO);
    const choose = await w.chat.answer("/import_members", vi("members.choose_unit"));
    await w.reaskThenPress(choose, XDGT, vi("members.import.ask_file", { unit: XDGT, maxMb: 5 }));
    await w.busyThenCancel("members-import");
  });

  it("recording a member leaving: the reason and the confirm, each pressed on its re-asked message", async () => {
    const lan = await addMember("Nguyễn Thị Lan", "+84912345001");
    const number = formatMemberNumber(lan.number);
    const w = new Walk(h, CHAIR);
    await openLeave(w, "lan", "Nguyễn Thị Lan");
    const reason = await w.chat.expect(vi("members.leave.reason_ask", { name: "Nguyễn Thị Lan", number }));
    const today = todayText();
    await w.reaskThenPress(reason, vi("members.reason.LEFT_COMPANY"), vi("members.leave.date_ask", { example: today }), "sticker");
    await w.chat.answer(vi("members.leave.today"), vi("members.leave.note_ask", { max: 300 }));
    const confirm = await w.chat.answer(vi("members.leave.skip"), vi("members.leave.confirm_ask", {
      name: "Nguyễn Thị Lan", number, reason: vi("members.reason.LEFT_COMPANY"), date: today, note: vi("members.detail.unknown"),
    }));
    await w.reaskThenPress(confirm, vi("members.leave.confirm"), vi("members.leave.done", { name: "Nguyễn Thị Lan", number, date: today, reason: vi("members.reason.LEFT_COMPANY") }));
    expect((await h.db.prisma.member.findUniqueOrThrow({ where: { id: lan.id } })).leaveReason).toBe("LEFT_COMPANY");
  });

  it("recording a member leaving: a reason already given says so; /help names the form; /cancel changes nothing", async () => {
    const hoa = await addMember("Lò Thị Hoa", "+84912345002");
    const w = new Walk(h, CHAIR2);
    await openLeave(w, "hoa", "Lò Thị Hoa");
    const reason = await w.chat.expect(vi("members.leave.reason_ask", { name: "Lò Thị Hoa", number: formatMemberNumber(hoa.number) }));
    expect(await w.pressOn(reason, vi("members.reason.RESIGNED"))).toBeUndefined();
    await w.chat.expect(vi("members.leave.date_ask", { example: todayText() }));
    expect(await w.pressOld(reason, vi("members.reason.OTHER"))).toBe(vi("form.already_answered"));
    await w.busyThenCancel("members-leave");
    expect((await h.db.prisma.member.findUniqueOrThrow({ where: { id: hoa.id } })).leftOn).toBeNull();
  });

  it("/poster (an officer of a ward): the union, pressed on its re-asked message, gets its poster", async () => {
    const w = new Walk(h, OFFICER_DK2);
    const pick = await w.chat.answer("/poster", vi("posters.pick"));
    await w.reaskThenPress(pick, AGR, vi("posters.document_caption", { unit: AGR }));
  });

  it("/poster (a province officer): \"search again\" and then the union, each pressed on its re-asked message", async () => {
    const w = new Walk(h, OFFICER_LC);
    await w.chat.answer("/poster", vi("posters.ask_query"));
    const pick = await w.chat.answer("cao su", vi("posters.pick"));
    await w.reaskThenPress(pick, vi("posters.search_again"), vi("posters.ask_query"), "sticker");
    const pick2 = await w.chat.answer("cao su", vi("posters.pick"));
    await w.reaskThenPress(pick2, CSLC, vi("posters.document_caption", { unit: CSLC }));
  });
});

// The report's later prompts (the checks' fixes, the summary) are being reworked (issue 11, defect 3); here are the
// union and the week, which every report starts with.
describe("re-asked buttons: the weekly report", { timeout: 60_000 }, () => {
  let h: Harness;
  const CHAIR_TWO = { id: 8731, first_name: "Chủ tịch hai nơi" };

  beforeAll(async () => {
    h = await startHarness({ logLevel: "warn" });
    await loadDemo(h.db.prisma);
    await grant(h.db.prisma, CHAIR_TWO, "CHAIR", "LC-DK-CSLC");
    await grant(h.db.prisma, CHAIR_TWO, "CHAIR", "LC-DK-AGR");
  });
  afterAll(() => h?.close());

  it("/report: the union and the week, each pressed on its re-asked message; then /help names the report, /cancel leaves it", async () => {
    const range = weekRange(weekOf(new Date()));
    const w = new Walk(h, CHAIR_TWO);
    const choose = await w.chat.answer("/report", vi("reports.choose_unit"));
    const week = await w.reaskThenPress(choose, AGR, vi("reports.week_ask", { unit: AGR }), "sticker");
    const prefill = await w.reaskThenPress(week, vi("reports.week_this", { range }), vi("reports.prefill_title", { unit: AGR, range }));
    expect(prefill.text).toContain(vi("reports.prefill_admitted", { count: 0 }));
    await w.chat.expect(vi("reports.ask.admitted"));
    // The week, tapped again on a phone that still showed it: already answered, and the question stays.
    expect(await w.pressOld(week, vi("reports.week_last", { range: weekRange(addWeeks(weekOf(new Date()), -1)) }))).toBe(vi("form.already_answered"));
    await w.chat.expect(vi("reports.ask.admitted"));
    await w.busyThenCancel("report");
    expect(await h.db.prisma.weeklyReport.count()).toBe(0);
  });

  it("/report: a failed check's fix, the summary's edit menu, back and send, each pressed on its re-asked message", async () => {
    const BD = "Công đoàn Bưu điện tỉnh Lai Châu";
    const CHAIR_BD = { id: 8732, first_name: "Chủ tịch Bưu điện" };
    await grant(h.db.prisma, CHAIR_BD, "CHAIR", "LC-BD");
    const range = weekRange(weekOf(new Date()));
    const w = new Walk(h, CHAIR_BD);
    const week = await w.chat.answer("/report", vi("reports.week_ask", { unit: BD }));
    await w.reaskThenPress(week, vi("reports.week_this", { range }), vi("reports.ask.admitted"));
    // 150 members in a union of 100 workers, so the checks fail and offer a fix for each answer in conflict.
    for (const [answer, next] of [
      ["19", "reports.ask.reduced"], ["0", "reports.ask.totalMembers"], ["150", "reports.ask.totalWorkers"], ["100", "reports.ask.partyIntroduced"],
      ["0", "reports.ask.partyAdmitted"], ["0", "reports.ask.propagandaSessions"], ["0", "reports.ask.propagandaParticipants"],
    ] as const) await w.chat.answer(answer, vi(next));
    await w.chat.answer("0", vi("reports.ask.difficulties", { max: 1000 }));
    await w.chat.answer(vi("reports.skip"), vi("reports.problems_title"));
    const fixAsk = await w.chat.expect(vi("reports.fix_ask"));
    const workers = vi("reports.fix", { answer: vi("reports.answer_inline", { field: vi("reports.field.totalWorkers"), value: "100" }) });
    await w.reaskThenPress(fixAsk, workers, vi("reports.ask.totalWorkers"));
    const summary = await w.chat.answer("160", vi("reports.summary_title", { unit: BD, range }));
    const menu = await w.reaskThenPress(summary, vi("reports.edit"), vi("reports.edit_ask"));
    const again = await w.reaskThenPress(menu, vi("reports.back"), vi("reports.summary_title", { unit: BD, range }), "sticker");
    await w.reaskThenPress(again, vi("reports.confirm"), vi("reports.saved", { unit: BD, range }));
    const saved = await h.db.prisma.weeklyReport.findFirstOrThrow({ where: { unit: { code: "LC-BD" } } });
    expect(saved).toMatchObject({ admitted: 19, totalMembers: 150, totalWorkers: 160 });
  });
});
