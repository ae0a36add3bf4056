// /import_targets and /targets_template in chat: the officer sends a spreadsheet; errors come by line in their
// language and the bot waits for a corrected file; a valid file gets a preview (counts, changes, the cascade warning)
// and writes all of it only on confirm (audited with the officer); cancel writes nothing; chairs are refused; the
// template goes back in unchanged and imports.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { targetsFor } from "../../src/drive/targets.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { findUnitByCode } from "../../src/organisation/units.ts";
import { vietnamDay } from "../../src/shared/time.ts";
import type { TestUser } from "../fake-telegram/server.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { grant, loadDemo } from "../support/fixtures.ts";

const vi = tFor("vi");
const en = tFor("en");
const OFFICER: TestUser = { id: 8001, first_name: "Cán bộ tỉnh" };
const OFFICER_EN: TestUser = { id: 8002, first_name: "Officer", language_code: "en" };
const CHAIR: TestUser = { id: 8003, first_name: "Chủ tịch" };
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const HEADER = "Mã đơn vị;Chỉ tiêu;Năm;Mã chiến dịch;Giá trị";
const csv = (...lines: string[]) => Buffer.from([HEADER, ...lines].join("\n"), "utf8");

describe("/import_targets", () => {
  let h: Harness;
  let officerId = "";
  const ids: Record<string, string> = {};
  const { y } = vietnamDay(new Date());
  const send = (user: TestUser, name: string, content: Buffer) =>
    h.fake.sendDocument(user, { file_name: name, mime_type: name.endsWith(".csv") ? "text/csv" : XLSX, content });

  beforeAll(async () => {
    h = await startHarness({ logLevel: "warn" });
    await loadDemo(h.db.prisma);
    officerId = (await grant(h.db.prisma, OFFICER, "OFFICER", "LC")).id;
    await grant(h.db.prisma, OFFICER_EN, "OFFICER", "LC");
    await grant(h.db.prisma, CHAIR, "CHAIR", "LC-DK-CSLC");
    for (const code of ["LC-DK", "LC-DK-CSLC", "LC-DK-AGR", "LC-PT"]) ids[code] = (await findUnitByCode(h.db.prisma, code))!.id;
  });
  afterAll(() => h?.close());

  it("shows the errors by line, waits for a corrected file, previews it and writes it all on confirm", async () => {
    const officer = new Chat(h.fake, OFFICER);
    await officer.answer("/import_targets", vi("targets.importChat.askFile"));
    h.fake.sendSticker(OFFICER);
    await officer.expect(`${vi("targets.importChat.notDocument")}\n\n${vi("targets.importChat.askFile")}`);

    send(OFFICER, "chi-tieu.csv", csv(`LC-DK;Thực tăng đoàn viên;${y};;100`, `LC-DK-CSLC;thuc tang;${y};;12x`, `LC-XX;Thực tăng đoàn viên;${y};;10`));
    const errors = await officer.expect(vi("targets.import.failed", { fileName: "chi-tieu.csv", count: 2 }));
    expect(errors.text).toContain(vi("targets.import.line", { line: 3, message: vi("targets.import.errors.valueInvalid", { value: "12x" }) }));
    expect(errors.text).toContain(vi("targets.import.line", { line: 4, message: vi("targets.import.errors.unitNotFound", { code: "LC-XX" }) }));
    expect(await h.db.prisma.target.count()).toBe(0);

    send(OFFICER, "chi-tieu.csv", csv(`LC-DK;Thực tăng đoàn viên;${y};;100`, `LC-DK-CSLC;thuc tang;${y};;80`, `LC-DK-AGR;Thực tăng đoàn viên;${y};;1.040`));
    const preview = await officer.expect(vi("targets.importChat.preview", { fileName: "chi-tieu.csv", created: 3, updated: 0, unchanged: 0 }));
    const metric = vi("targets.metrics.NET_INCREASE");
    expect(preview.text).toContain(vi("targets.importChat.change", { code: "LC-DK-AGR", metric, period: String(y), before: vi("targets.chat.notSet"), after: "1.040" }));
    expect(preview.text).toContain(vi("targets.warnings.exceedsParent", { parent: "LC-DK", metric, period: String(y), childrenSum: "1.120", parentValue: "100" }));
    expect(await h.db.prisma.target.count()).toBe(0); // the preview wrote nothing
    expect(await h.db.prisma.auditLog.count({ where: { action: "target.import" } })).toBe(0);

    await officer.choose(vi("targets.importChat.confirm"), vi("targets.import.done", { fileName: "chi-tieu.csv", created: 3, updated: 0, unchanged: 0 }));
    expect(await targetsFor(h.db.prisma, ids["LC-DK-AGR"]!, { year: y })).toEqual([{ metric: "NET_INCREASE", value: 1040 }]);
    expect(await h.db.prisma.auditLog.count({ where: { action: "target.import", actorId: officerId } })).toBe(1);
    expect(await h.db.prisma.auditLog.count({ where: { action: "target.set", actorId: officerId } })).toBe(3);
  });

  it("writes nothing on cancel, and says so when a file changes nothing", async () => {
    const officer = new Chat(h.fake, OFFICER);
    await officer.answer("/import_targets", vi("targets.importChat.askFile"));
    send(OFFICER, "lan-2.csv", csv(`LC-PT;Kết nạp đoàn viên mới;${y};;50`, `LC-DK;Thực tăng đoàn viên;${y};;100`));
    await officer.expect(vi("targets.importChat.preview", { fileName: "lan-2.csv", created: 1, updated: 0, unchanged: 1 }));
    await officer.choose(vi("targets.importChat.cancel"), vi("targets.importChat.cancelled"));
    expect(await targetsFor(h.db.prisma, ids["LC-PT"]!, { year: y })).toEqual([]);

    await officer.answer("/import_targets", vi("targets.importChat.askFile"));
    send(OFFICER, "lan-3.csv", csv(`LC-DK;Thực tăng đoàn viên;${y};;100`));
    await officer.expect(vi("targets.importChat.nothingToDo", { fileName: "lan-3.csv", unchanged: 1 }));
  });

  it("speaks English to an English officer, and refuses a chair", async () => {
    const officer = new Chat(h.fake, OFFICER_EN, "en");
    await officer.answer("/import_targets", en("targets.importChat.askFile"));
    send(OFFICER_EN, "targets.csv", csv(`LC-DK;Thực tăng đoàn viên;20x6;;100`));
    const errors = await officer.expect(en("targets.import.failed", { fileName: "targets.csv", count: 1 }));
    expect(errors.text).toContain(en("targets.import.line", { line: 2, message: en("targets.import.errors.yearInvalid", { value: "20x6" }) }));
    await officer.answer("/cancel", en("forms.targets-import.cancelled"));

    await new Chat(h.fake, CHAIR).answer("/import_targets", vi("targets.importChat.refused"));
    await new Chat(h.fake, CHAIR).answer("/targets_template", vi("targets.importChat.refused"));
  });

  it("sends the template, which imports as it is", async () => {
    const officer = new Chat(h.fake, OFFICER);
    await officer.answer("/targets_template", vi("targets.importChat.templateCaption"));
    const upload = h.fake.uploads.findLast((u) => u.filename === "targets-template.xlsx");
    expect(upload?.data).toBeDefined();
    await officer.answer("/import_targets", vi("targets.importChat.askFile"));
    send(OFFICER, "targets-template.xlsx", Buffer.from(upload!.data!));
    await officer.expect(vi("targets.importChat.preview", { fileName: "targets-template.xlsx", created: 1, updated: 0, unchanged: 0 }));
    await officer.choose(vi("targets.importChat.confirm"), vi("targets.import.done", { fileName: "targets-template.xlsx", created: 1, updated: 0, unchanged: 0 }));
    expect(await targetsFor(h.db.prisma, ids["LC-PT"]!, { year: y })).toEqual([{ metric: "NET_INCREASE", value: 100 }]);
  });
});
