// The prompts of the forms chairs and officers fill in, fuzzed with hostile texts (prompt-fuzzer.ts): the weekly
// report, setting a target, rejecting an application (the reason), recording a member leaving, a broadcast and the
// edit of a scheduled one, an invite, a poster, an officer finding a union's members, a worker correcting their
// application, a chair refusing a member's erasure or correction request (the reason), and the three spreadsheet
// imports (members, units, targets), whose prompt waits for a file. A fuzzed text the form
// accepts as a reason or as an edited broadcast's text is stored as such, as a chair's or an officer's would be;
// nothing else fuzzed is stored: a typed "1" may confirm a broadcast or a leave, which then holds the script's answers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { weekRange } from "../../src/bot/reports/conversation.ts";
import { createBroadcast } from "../../src/broadcasts/broadcasts.ts";
import { weekOf } from "../../src/drive/reports.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { decideApplication } from "../../src/membership/applications.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { requestCorrection } from "../../src/privacy/corrections.ts";
import { requestErasure } from "../../src/privacy/erasure.ts";
import type { TestUser } from "../fake-telegram/server.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { fileApplication, grant, loadDemo } from "../support/fixtures.ts";
import { press, tapFirst, text } from "../support/join-form.ts";
import { patternOf } from "../support/locale-texts.ts";
import { itFuzzesEachPrompt, type FormScript, type FormStep } from "./prompt-fuzzer.ts";

const vi = tFor("vi");
/** Taps a button with this data on the newest message, as a button of an earlier message would be tapped. */
const tap = (data: () => string) => (chat: Chat) => chat.fake.pressButton(chat.user, chat.fake.lastMessageTo(chat.user)!, data(), { allowUnknownData: true });
/** A decider's "refuse" button (its data), the reason asked (`ask`), and a reason that is valid (which decides it). */
const reasonSteps = (data: () => string, ask: string, valid: string): FormStep[] => [
  { act: text("/help"), reply: vi("help.intro") },
  { act: tap(data), reply: ask },
  { act: text(valid), reply: /./ },
];

describe("officers' form prompts under hostile text", { timeout: 300_000 }, () => {
  let h: Harness;
  let nextId = 820_000;
  const ids = { applicationId: "", memberId: "", requestId: "", approvedBySetup: 0, broadcastId: "", editable: new Set<string>() };
  const person = async (role: "CHAIR" | "OFFICER", unit: string): Promise<Chat> => {
    const user: TestUser = { id: nextId++, first_name: "Fuzz", language_code: "vi" };
    await grant(h.db.prisma, user, role, unit);
    return new Chat(h.fake, user);
  };

  const range = weekRange(weekOf(new Date()));
  const report: FormScript = {
    form: "report",
    newPerson: () => person("CHAIR", "LC-DK-CSLC"),
    steps: [
      { act: text("/report"), reply: patternOf("reports.week_ask") },
      { act: press(vi("reports.week_this", { range })), reply: vi("reports.ask.admitted") },
      { act: text("1"), reply: vi("reports.ask.reduced") },
      { act: text("0"), reply: vi("reports.ask.totalMembers"), or: [patternOf("reports.reductions_intro")] },
      { act: text("1028"), reply: vi("reports.ask.totalWorkers") },
      { act: text("1164"), reply: vi("reports.ask.partyIntroduced") },
      { act: text("2"), reply: vi("reports.ask.partyAdmitted") },
      { act: text("1"), reply: vi("reports.ask.propagandaSessions") },
      { act: text("1"), reply: vi("reports.ask.propagandaParticipants") },
      { act: text("40"), reply: vi("reports.ask.difficulties", { max: 1000 }) },
      { act: text(vi("reports.skip")), reply: /./ },
    ],
  };
  const setTarget: FormScript = {
    form: "target-set",
    newPerson: () => person("OFFICER", "LC-DK"),
    steps: [
      { act: text("/set_target"), reply: vi("targets.set.askUnit") },
      { act: text("LC-DK-CSLC"), reply: patternOf("targets.set.askPeriod") },
      { act: tapFirst, reply: patternOf("targets.set.askMetric") },
      { act: tapFirst, reply: patternOf("targets.set.askValue") },
      { act: text("1.200"), reply: patternOf("targets.set.summary") },
    ],
  };
  const reject: FormScript = {
    form: "reject-application",
    newPerson: async () => {
      // Each person rejects an application of their own: a reason that is valid decides it.
      ids.applicationId = (await fileApplication(h.db.prisma, { id: nextId + 50_000 }, "LC-DK-CSLC")).applicationId;
      return person("CHAIR", "LC-DK-CSLC");
    },
    steps: reasonSteps(() => `dec:r:${ids.applicationId}`, vi("decision.reason_ask"), "Chưa đủ hồ sơ"),
  };
  const leave: FormScript = {
    form: "members-leave",
    newPerson: async () => {
      // Each person records a member of their own leaving: a typed "1" at the confirmation records it.
      const unit = (await findUnitByCode(h.db.prisma, "LC-DK-CSLC"))!;
      ids.memberId = (await h.db.prisma.member.create({ data: { unitId: unit.id, fullName: "Lò Văn Mạnh", searchName: "lo van manh", joinedAt: new Date("2024-05-10") } })).id;
      return person("CHAIR", "LC-DK-CSLC");
    },
    steps: [
      { act: text("/help"), reply: vi("help.intro") },
      { act: tap(() => `mx:${ids.memberId}`), reply: patternOf("members.leave.reason_ask") },
      { act: press(vi("members.reason.LEFT_COMPANY")), reply: patternOf("members.leave.date_ask") },
      { act: text(vi("members.leave.today")), reply: vi("members.leave.note_ask", { max: 300 }) },
      { act: text(vi("members.leave.skip")), reply: patternOf("members.leave.confirm_ask") },
      { act: text("/cancel"), reply: /./ },
    ],
  };
  const broadcast: FormScript = {
    form: "broadcast",
    newPerson: () => person("OFFICER", "LC-DK"),
    steps: [
      { act: text("/broadcast"), reply: vi("broadcasts.ask_audience") },
      { act: press(vi("broadcasts.audience.CHAIRS")), reply: patternOf("broadcasts.ask_unit") },
      { act: press(vi("broadcasts.unit_code")), reply: vi("broadcasts.ask_unit_code") },
      { act: text("lc-dk-cslc"), reply: vi("broadcasts.ask_language") },
      { act: press(vi("broadcasts.languages.vi")), reply: vi("broadcasts.ask_channel") },
      { act: press(vi("broadcasts.any_channel")), reply: vi("broadcasts.ask_text", { max: 3500 }) },
      { act: text("Họp công đoàn lúc 15:00 thứ Sáu."), reply: vi("broadcasts.ask_photo") },
      { act: press(vi("broadcasts.no_photo")), reply: vi("broadcasts.ask_when") },
      { act: press(vi("broadcasts.when_now")), reply: vi("broadcasts.ask_urgent") },
      { act: press(vi("broadcasts.urgent_no")), reply: patternOf("broadcasts.summary") },
      { act: text("/cancel"), reply: /./ },
    ],
  };
  const broadcastEdit: FormScript = {
    form: "broadcast-edit",
    newPerson: async () => {
      // Each officer edits a broadcast of their own, scheduled in ten days: a valid text is saved as its new text.
      const user: TestUser = { id: nextId++, first_name: "Fuzz", language_code: "vi" };
      const officer = await grant(h.db.prisma, user, "OFFICER", "LC-DK");
      const unit = (await findUnitByCode(h.db.prisma, "LC-DK"))!;
      const created = await createBroadcast(h.db.prisma, officer.id, {
        audience: "CHAIRS", scopeUnitId: unit.id, language: null, channel: null, text: "Họp công đoàn lúc 15:00 thứ Sáu.", photoFileId: null, urgent: false,
        sendAt: new Date(Date.now() + 10 * 86_400_000),
      });
      if (!created.ok) throw new Error("broadcast refused");
      ids.broadcastId = created.id;
      ids.editable.add(created.id);
      return new Chat(h.fake, user);
    },
    steps: [
      { act: text("/help"), reply: vi("help.intro") },
      { act: tap(() => `bce:${ids.broadcastId}`), reply: patternOf("broadcasts.ask_new_text") },
      { act: text("Họp công đoàn lúc 16:00 thứ Sáu."), reply: /./ },
    ],
  };
  const invite: FormScript = {
    form: "invite",
    newPerson: () => person("OFFICER", "LC-DK"),
    steps: [
      { act: text("/invite"), reply: vi("invites.ask_role") },
      { act: press(vi("invites.roles.CHAIR")), reply: vi("invites.ask_unit_grassroots") },
      { act: text("cao su"), reply: vi("invites.unit_pick") },
      { act: tapFirst, reply: vi("invites.ask_validity") },
      { act: text("/cancel"), reply: /./ },
    ],
  };
  const membersPick: FormScript = {
    form: "members-pick",
    newPerson: () => person("OFFICER", "LC-DK"),
    steps: [
      { act: text("/members"), reply: vi("members.pick.ask") },
      { act: text("cao su"), reply: vi("members.pick.choose") },
      { act: tapFirst, reply: /./ },
    ],
  };
  const poster: FormScript = {
    form: "poster",
    newPerson: () => person("OFFICER", "LC"),
    steps: [
      { act: text("/poster"), reply: vi("posters.ask_query") },
      { act: text("cao su"), reply: vi("posters.pick") },
      { act: text("/cancel"), reply: /./ },
    ],
  };
  const correct: FormScript = {
    form: "correct",
    newPerson: async () => {
      // A worker whose application waits: they correct it themselves.
      const user: TestUser = { id: nextId++, first_name: "Fuzz", language_code: "vi" };
      await fileApplication(h.db.prisma, user, "LC-DK-CSLC");
      return new Chat(h.fake, user);
    },
    steps: [
      { act: text("/correct"), reply: patternOf("corrections.choose_field_application") },
      { act: press(vi("corrections.fields.phone")), reply: patternOf("corrections.ask.phone") },
      { act: text("0987 654 321"), reply: patternOf("corrections.confirm") },
      { act: text("/cancel"), reply: /./ },
    ],
  };
  /** A chair of LC-DK-CSLC and a member of it they admitted, whose request (made by `request`) waits for them. */
  const chairWithRequest = async (request: (memberPersonId: string) => Promise<void>): Promise<Chat> => {
    const user: TestUser = { id: nextId++, first_name: "Fuzz", language_code: "vi" };
    const chair = await grant(h.db.prisma, user, "CHAIR", "LC-DK-CSLC");
    const filed = await fileApplication(h.db.prisma, { id: nextId + 60_000 }, "LC-DK-CSLC");
    const decided = await decideApplication(h.db.prisma, { applicationId: filed.applicationId, actorId: chair.id, decision: { kind: "approve" } });
    if (!decided.ok) throw new Error("not approved");
    ids.approvedBySetup++;
    await request(filed.personId);
    return new Chat(h.fake, user);
  };
  const refuseErasure: FormScript = {
    form: "erasure-refuse",
    newPerson: () =>
      chairWithRequest(async (personId) => {
        const asked = await requestErasure(h.db.prisma, { personId, days: 30 });
        if (asked.kind !== "requested") throw new Error(`no erasure request: ${asked.kind}`);
        ids.requestId = asked.requestId;
      }),
    steps: reasonSteps(() => `era:r:${ids.requestId}`, vi("erasure.refuse_ask"), "Hồ sơ còn cần cho kỳ kiểm tra"),
  };
  const refuseCorrection: FormScript = {
    form: "correction-refuse",
    newPerson: () =>
      chairWithRequest(async (personId) => {
        const asked = await requestCorrection(h.db.prisma, { personId, field: "phone", value: "0987654321", days: 30 });
        if (!asked.ok || asked.kind !== "requested") throw new Error("no correction request");
        ids.requestId = asked.requestId;
      }),
    steps: reasonSteps(() => `cor:r:${ids.requestId}`, vi("corrections.decide.reason_ask"), "Số điện thoại chưa xác minh"),
  };
  /**
   * A spreadsheet import waits for a file: whatever text comes, the person is told to send the file, and asked again.
   * The fuzzer never plays a script's last step; here it names what a file would bring (its preview).
   */
  const spreadsheetImport = (form: FormScript["form"], role: "CHAIR" | "OFFICER", unit: string, command: string, ask: string | RegExp, preview: string): FormScript => ({
    form,
    newPerson: () => person(role, unit),
    steps: [
      { act: text(command), reply: ask },
      { act: (chat) => chat.fake.sendDocument(chat.user, { file_name: "ds.csv", mime_type: "text/csv", content: Buffer.from("Mã đơn vị\n") }), reply: patternOf(preview) },
    ],
  });
  const importMembers = spreadsheetImport("members-import", "CHAIR", "LC-DK-CSLC", "/import_members", patternOf("members.import.ask_file"), "members.import.preview");
  const importUnits = spreadsheetImport("units-import", "OFFICER", "LC-DK", "/import_units", vi("units.chat.askFile"), "units.chat.preview");
  const importTargets = spreadsheetImport("targets-import", "OFFICER", "LC-DK", "/import_targets", vi("targets.importChat.askFile"), "targets.importChat.preview");
  /** Each form, and its first step after which a prompt waits ("/help" only shows a message to tap on). */
  const FORMS: [string, FormScript, number][] = [
    ["weekly report", report, 0],
    ["set a target", setTarget, 0],
    ["reject an application", reject, 1],
    ["record a member leaving", leave, 1],
    ["broadcast", broadcast, 0],
    ["edit a scheduled broadcast", broadcastEdit, 1],
    ["invite", invite, 0],
    ["poster", poster, 0],
    ["an officer's /members (find a union)", membersPick, 0],
    ["a worker's correction", correct, 0],
    ["refuse an erasure request", refuseErasure, 1],
    ["refuse a correction request", refuseCorrection, 1],
    ["import a member roll", importMembers, 0],
    ["import units", importUnits, 0],
    ["import targets", importTargets, 0],
  ];

  beforeAll(async () => {
    h = await startHarness({ logLevel: "warn" });
    await loadDemo(h.db.prisma);
  });
  afterAll(() => h?.close());

  for (const [name, script, first] of FORMS) itFuzzesEachPrompt(name, script, first, () => h);

  it("stored no fuzzed text: no report or target (their last question is not fuzzed), and what a typed \"1\" confirmed holds the script's answers", async () => {
    const prisma = h.db.prisma;
    expect(await prisma.weeklyReport.count()).toBe(0);
    expect(await prisma.target.count()).toBe(0);
    // Broadcasts made by the form itself; those the edit scripts made take an accepted fuzzed text as their new text.
    for (const b of await prisma.broadcast.findMany()) if (!ids.editable.has(b.id)) expect(b.text).toBe("Họp công đoàn lúc 15:00 thứ Sáu.");
    for (const m of await prisma.member.findMany({ where: { leftOn: { not: null } } })) expect([m.fullName, m.leaveNote ?? null]).toEqual(["Lò Văn Mạnh", null]);
    // Only the members the refusal scripts admitted themselves: no fuzzed reason approved an application.
    expect(await prisma.application.count({ where: { status: "APPROVED" } })).toBe(ids.approvedBySetup);
  });
});
