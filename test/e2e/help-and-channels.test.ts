// What chairs and officers see (issue 11, defect 5), end to end against the fake Bot API:
// - /help lists each person's own commands, one line each, from the same table as their command menu: a worker the
//   public ones only; a chair (and a deputy, the same) also /report, /members, /poster…; an officer and an admin more.
//   Before, everyone got the worker's list.
// - With the bot also on Zalo (ZALO_BOT_TOKEN), the poster names Zalo, with the Zalo bot's name (from Zalo's getMe)
//   and the command to send it; before, it spoke only of Telegram.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { menuFor, ROLE_COMMANDS } from "../../src/bot/commands.ts";
import { tFor } from "../../src/i18n/i18n.ts";
import { FakeZalo } from "../fake-zalo/server.ts";
import type { TestUser } from "../fake-telegram/server.ts";
import { startHarness, type Harness } from "../support/app.ts";
import { Chat } from "../support/chat.ts";
import { grant, loadDemo } from "../support/fixtures.ts";
import { readPdf } from "../support/pdf.ts";

const vi = tFor("vi");
const en = tFor("en");

const users = {
  worker: { id: 9101, first_name: "Công nhân" },
  chair: { id: 9102, first_name: "Chủ tịch" },
  deputy: { id: 9103, first_name: "Phó chủ tịch" },
  officer: { id: 9104, first_name: "Officer", language_code: "en" },
  admin: { id: 9105, first_name: "Quản trị" },
} satisfies Record<string, TestUser>;

/** The commands a /help message lists: the "/command" that starts each of its lines. */
const listed = (text: string) => text.split("\n").flatMap((line) => /^\/([a-z_]+) – /.exec(line)?.[1] ?? []);

describe("/help and the poster, per role and channel", () => {
  let h: Harness;
  let zalo: FakeZalo;
  beforeAll(async () => {
    zalo = await FakeZalo.start();
    h = await startHarness({ logLevel: "warn", env: { ZALO_BOT_TOKEN: zalo.token, ZALO_API_ROOT: zalo.apiRoot } });
    await loadDemo(h.db.prisma);
    await grant(h.db.prisma, users.chair, "CHAIR", "LC-DK-CSLC");
    await grant(h.db.prisma, users.deputy, "DEPUTY_CHAIR", "LC-DK-AGR");
    await grant(h.db.prisma, users.officer, "OFFICER", "LC-DK");
    await grant(h.db.prisma, users.admin, "ADMIN");
  });
  afterAll(async () => {
    await h?.close();
    await zalo?.close();
  });

  async function help(user: TestUser, t = vi) {
    const chat = new Chat(h.fake, user);
    chat.send("/help");
    return (await chat.expect(t("help.intro"))).text ?? "";
  }

  it("gives a worker the public commands only", async () => {
    const text = await help(users.worker);
    expect(listed(text)).toEqual(["start", "status", "card", "language", "stop", "cancel", "help", "mydata", "correct", "withdraw", "delete_my_data", "link", "unlink"]);
    expect(text).toContain(vi("help.line", { command: "status", description: vi("commands.status") }));
    expect(text).not.toContain(vi("help.roles"));
    for (const command of ["report", "members", "poster", "summary", "invite"]) expect(text).not.toContain(`/${command} `);
  });

  it("gives a chair their commands too, one line each with its description, in the order of their menu", async () => {
    const text = await help(users.chair);
    const commands = listed(text);
    expect(commands).toEqual(expect.arrayContaining(["report", "members", "import_members", "poster", "reminders", "targets", "summary", "export"]));
    expect(commands).not.toContain("invite");
    expect(commands).not.toContain("set_target");
    expect(commands).not.toContain("audit");
    expect(text).toContain(vi("help.roles"));
    expect(text).toContain(vi("help.line", { command: "report", description: vi("reports.commands.report") }));
    expect(text).toContain(vi("help.line", { command: "poster", description: vi("posters.commands.poster") }));
    // Exactly the menu Telegram shows them, public commands first.
    expect(commands).toEqual(menuFor(["CHAIR"], "vi").map((c) => c.command));
    expect(commands.slice(0, 7)).toEqual(["start", "status", "card", "language", "stop", "cancel", "help"]);
  });

  it("gives a deputy chair what a chair sees, an officer theirs in English, an admin every command", async () => {
    expect(listed(await help(users.deputy))).toEqual(listed(await help(users.chair)));

    const officer = await help(users.officer, en);
    expect(listed(officer)).toEqual(menuFor(["OFFICER"], "en").map((c) => c.command));
    expect(listed(officer)).toEqual(expect.arrayContaining(["invite", "set_target", "broadcast", "report_status"]));
    expect(officer).toContain(en("help.line", { command: "invite", description: en("invites.commands.invite") }));

    const admin = listed(await help(users.admin));
    for (const row of ROLE_COMMANDS) expect(admin).toContain(row.command);
  });

  it("makes a poster that names Zalo too, with the Zalo bot's name and the union's code to send it", async () => {
    const chair = new Chat(h.fake, users.chair);
    const since = h.fake.uploads.length;
    chair.send("/poster");
    const photo = await chair.expect(vi("posters.caption_zalo", { name: "bot.CongDoanTest", code: "LC-DK-CSLC" }));
    expect(photo.caption).toContain(vi("posters.caption", { unit: "Công đoàn Công ty Cổ phần Cao su Lai Châu", link: `https://t.me/${h.fake.botInfo.username}?start=LC-DK-CSLC` }));
    await chair.expect(vi("posters.document_caption", { unit: "Công đoàn Công ty Cổ phần Cao su Lai Châu" }));
    const pdf = h.fake.uploads.slice(since).find((u) => u.chatId === String(users.chair.id) && u.method === "sendDocument");
    const text = readPdf(pdf!.data!).text.join(" ").replace(/\s+/g, " ");
    expect(text).toContain(vi("posters.pdf.channels_zalo"));
    expect(text).toContain(vi("posters.pdf.zalo", { name: "bot.CongDoanTest" }));
    expect(text).toContain("/start LC-DK-CSLC");
  });
});
