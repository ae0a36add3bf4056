// The command menu per role and language: one table, deputies see what chairs see, admins see it all.
import { describe, expect, it } from "vitest";
import { menuFor, PUBLIC_COMMANDS, ROLE_COMMANDS } from "../../src/bot/commands.ts";
import { tFor } from "../../src/i18n/i18n.ts";

const names = (roles: Parameters<typeof menuFor>[0]) => menuFor(roles, "vi").map((c) => c.command);

describe("menuFor", () => {
  it("people without roles get the public commands", () => {
    expect(names([])).toEqual([...PUBLIC_COMMANDS]);
  });

  it("officers get /invite and /invites; chairs do not", () => {
    expect(names(["OFFICER"])).toEqual(expect.arrayContaining(["invite", "invites"]));
    expect(names(["CHAIR"])).not.toContain("invite");
  });

  it("officers get the drive's target commands and /report; chairs get /report and /targets but cannot set targets", () => {
    expect(names(["OFFICER"])).toEqual(expect.arrayContaining(["targets", "set_target", "import_targets", "targets_template", "report", "report_status"]));
    expect(names(["CHAIR"])).toEqual(expect.arrayContaining(["report", "targets", "reminders"]));
    expect(names(["CHAIR"])).not.toContain("set_target");
    expect(names(["CHAIR"])).not.toContain("import_targets");
  });

  it("a deputy chair sees exactly what a chair sees", () => {
    expect(menuFor(["DEPUTY_CHAIR"], "vi")).toEqual(menuFor(["CHAIR"], "vi"));
    expect(menuFor(["DEPUTY_CHAIR"], "en")).toEqual(menuFor(["CHAIR"], "en"));
  });

  it("admins see every command of the table, each once", () => {
    const admin = names(["ADMIN"]);
    expect(admin).toEqual([...PUBLIC_COMMANDS, ...new Set(ROLE_COMMANDS.map((r) => r.command))]);
    expect(new Set(names(["ADMIN", "OFFICER", "CHAIR"])).size).toBe(names(["ADMIN", "OFFICER", "CHAIR"]).length);
  });

  it("descriptions are in the person's language and fit Telegram's limits", () => {
    for (const lang of ["vi", "en"] as const) {
      const t = tFor(lang);
      const menu = menuFor(["ADMIN"], lang);
      expect(menu.find((c) => c.command === "invite")?.description).toBe(t("invites.commands.invite"));
      for (const c of menu) {
        expect(c.command).toMatch(/^[a-z0-9_]{1,32}$/);
        expect(c.description.length).toBeGreaterThanOrEqual(1);
        expect(c.description.length).toBeLessThanOrEqual(256);
        expect(c.description).not.toBe(c.command); // a missing key would come back as the key
      }
    }
  });
});
