// /summary and /export are in the command menus of chairs, deputies, officers and admins, with their descriptions
// in each language; people without a role do not see them.
import { describe, expect, it } from "vitest";
import { menuFor } from "../../src/bot/commands.ts";
import { tFor } from "../../src/i18n/i18n.ts";

describe("summary commands in the menu", () => {
  it("shows /summary and /export to every role holder, described in their language", () => {
    for (const role of ["CHAIR", "DEPUTY_CHAIR", "OFFICER", "ADMIN"] as const) {
      for (const lang of ["vi", "en"] as const) {
        const menu = menuFor([role], lang);
        expect(menu.find((c) => c.command === "summary")?.description).toBe(tFor(lang)("summary.commands.summary"));
        expect(menu.find((c) => c.command === "export")?.description).toBe(tFor(lang)("summary.commands.export"));
      }
    }
    expect(menuFor([], "vi").map((c) => c.command)).not.toContain("summary");
  });
});
