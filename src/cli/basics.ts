// The first commands an operator runs: load the demo data, list the units, grant roles.
import { parseArgs } from "node:util";
import type { Command } from "./command.ts";
import { operatorLang, tFor } from "../i18n/i18n.ts";
import { loadDriveDemo } from "../drive/demo.ts";
import { LAI_CHAU_DEMO } from "../organisation/demo/lai-chau.ts";
import { grantRole } from "../organisation/roles.ts";
import { findUnitByCode, listUnits, upsertUnits } from "../organisation/units.ts";
import { findOrCreatePerson } from "../people/people.ts";

const t = tFor(operatorLang());
const say = (key: string, params?: Record<string, unknown>) => console.log(t(key, { ns: "cli", ...params }));

const ROLES = { admin: "ADMIN", officer: "OFFICER", chair: "CHAIR", deputy: "DEPUTY_CHAIR" } as const;

export const basicCommands: Record<string, Command> = {
  async "load-demo"(prisma) {
    const count = await upsertUnits(prisma, LAI_CHAU_DEMO);
    say("cli.demo_loaded", { count });
    const drive = await loadDriveDemo(prisma);
    console.log(t("targets.cli.demoLoaded", drive));
    return 0;
  },

  async units(prisma) {
    const units = await listUnits(prisma);
    if (units.length === 0) say("cli.no_units");
    for (const u of units) {
      const closed = u.closedAt ? ` (${t("cli.closed", { ns: "cli" })})` : "";
      console.log(`${u.code.padEnd(16)} ${t(`unit_types.${u.type}`, { ns: "cli" }).padEnd(22)} ${u.name}${closed}`);
    }
    return 0;
  },

  async grant(prisma, args) {
    const { values } = parseArgs({
      args,
      options: { telegram: { type: "string" }, role: { type: "string" }, unit: { type: "string" } },
    });
    const role = ROLES[values.role as keyof typeof ROLES];
    if (!values.telegram || !/^\d{1,20}$/.test(values.telegram) || !role) {
      say("cli.grant_usage");
      return 2;
    }
    let unitId: string | null = null;
    if (role !== "ADMIN") {
      const unit = values.unit ? await findUnitByCode(prisma, values.unit) : null;
      if (!unit) {
        say("cli.unit_not_found", { code: values.unit ?? "" });
        return 1;
      }
      if ((role === "CHAIR" || role === "DEPUTY_CHAIR") && !["GRASSROOTS", "FREELANCE_GRASSROOTS"].includes(unit.type)) {
        say("cli.chair_needs_grassroots", { code: unit.code });
        return 1;
      }
      unitId = unit.id;
    }
    // A Telegram private chat's id is the user's id: the bot can write once they have pressed Start.
    const person = await findOrCreatePerson(
      prisma,
      { channel: "TELEGRAM", externalId: values.telegram, chatId: values.telegram },
      "vi",
    );
    await grantRole(prisma, { personId: person.id, role, unitId, grantedById: null });
    say("cli.granted", { role: values.role, id: values.telegram, unit: values.unit ?? "*" });
    return 0;
  },
};
