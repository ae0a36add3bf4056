// Who hears of a waiting application, in the domain: the union's chairs and deputies the bot can reach, else the
// officers of the nearest unit above, else the admins; the level after the deciders is who is reminded at twice the
// days. A chair who blocked the bot, or turned reminders off, changes who is told or reminded, never leaves an
// application unseen.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dueApplicationReminders, setRemindersOn } from "../../src/drive/reminders.ts";
import { decidersOf } from "../../src/membership/applications.ts";
import { deciderLevels, waitingNotices } from "../../src/membership/pending.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { fileApplication, grant, loadDemo } from "../support/fixtures.ts";

const vn = (local: string) => new Date(`${local}+07:00`);

describe("deciders and waiting applications", () => {
  let db: TestDatabase;
  const ids: Record<string, string> = {};
  const unitIds: Record<string, string> = {};
  let applicant = 72100;
  const name = (personId: string) => Object.keys(ids).find((k) => ids[k] === personId);

  const apply = (code: string, createdAt: Date) => fileApplication(db.prisma, { id: applicant++ }, code, { createdAt });

  beforeAll(async () => {
    db = await createTestDatabase();
    await loadDemo(db.prisma);
    for (const code of ["LC", "LC-TP", "LC-TP-DL", "LC-TP-MT", "LC-TP-NS"]) unitIds[code] = (await findUnitByCode(db.prisma, code))!.id;
    ids.chairDL = (await grant(db.prisma, { id: 72001 }, "CHAIR", "LC-TP-DL")).id;
    ids.deputyDL = (await grant(db.prisma, { id: 72002 }, "DEPUTY_CHAIR", "LC-TP-DL")).id;
    ids.chairMT = (await grant(db.prisma, { id: 72003 }, "CHAIR", "LC-TP-MT")).id;
    ids.officerTP = (await grant(db.prisma, { id: 72004 }, "OFFICER", "LC-TP")).id;
    ids.officerLC = (await grant(db.prisma, { id: 72005 }, "OFFICER", "LC")).id;
    ids.admin = (await grant(db.prisma, { id: 72006 }, "ADMIN")).id;
    // The chair of LC-TP-MT blocked the bot; LC-TP-NS has no chair at all.
    await db.prisma.person.update({ where: { id: ids.chairMT }, data: { unreachableAt: new Date() } });
  });
  afterAll(() => db?.destroy());

  it("walks up the tree: chairs and deputies, the officers above (nearest first), the admins; the unreachable are skipped", async () => {
    const levels = async (code: string) =>
      (await deciderLevels(db.prisma, unitIds[code]!)).map((l) => `${l.kind}:${l.personIds.map(name).sort().join(",")}`);
    expect(await levels("LC-TP-DL")).toEqual(["chair:chairDL,deputyDL", "officer:officerTP", "officer:officerLC", "admin:admin"]);
    expect(await levels("LC-TP-MT")).toEqual(["officer:officerTP", "officer:officerLC", "admin:admin"]);
    expect(await levels("LC-TP-NS")).toEqual(["officer:officerTP", "officer:officerLC", "admin:admin"]);
    expect((await decidersOf(db.prisma, { routedUnitId: unitIds["LC-TP-NS"]! })).map(name)).toEqual(["officerTP"]);
  });

  it("reminds the deciders after 3 days and the next level after 6, one message per person counting what waits there", async () => {
    await apply("LC-TP-DL", vn("2026-04-01T08:00"));
    await apply("LC-TP-NS", vn("2026-04-01T09:00"));
    const who = async (now: Date) =>
      (await dueApplicationReminders(db.prisma, now)).map((r) => `${r.kind}:${name(r.personId)}:${r.applications!.count}`).sort();

    expect(await who(vn("2026-04-04T07:59"))).toEqual([]);
    // LC-TP-DL's chair and deputy; LC-TP-NS has no chair: its deciders are the ward's officers.
    expect(await who(vn("2026-04-04T09:00"))).toEqual([
      "applications_waiting:chairDL:1",
      "applications_waiting:deputyDL:1",
      "applications_waiting:officerTP:1",
    ]);
    // Six days: above the chairs, the ward's officer; above the ward's officer, the province's.
    expect(await who(vn("2026-04-07T09:00"))).toEqual([
      "applications_late:officerLC:1",
      "applications_late:officerTP:1",
      "applications_waiting:chairDL:1",
      "applications_waiting:deputyDL:1",
      "applications_waiting:officerTP:1",
    ]);
    expect(await who(vn("2026-04-07T21:30"))).toEqual([]); // quiet hours
  });

  it("says each application once per person and stage; who turned reminders off is left out", async () => {
    const now = vn("2026-04-07T10:00");
    for (const n of await waitingNotices(db.prisma, now)) {
      await db.prisma.reminderDelivery.createMany({ data: n.newKeys.map((key) => ({ key, personId: n.personId })) });
    }
    expect(await waitingNotices(db.prisma, now)).toEqual([]);
    await setRemindersOn(db.prisma, ids.deputyDL!, false);
    await apply("LC-TP-DL", vn("2026-04-03T10:00"));
    const notices = await waitingNotices(db.prisma, vn("2026-04-06T10:00"));
    expect(notices.map((n) => `${n.stage}:${name(n.personId)}:${n.applicationIds.length}:${n.newKeys.length}`)).toEqual(["deciders:chairDL:2:1"]);
  });
});
