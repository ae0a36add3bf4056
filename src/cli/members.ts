// Operator CLI command for existing member rolls: import-members <grassroots union code> <file>. The operator acts
// everywhere (no person); texts in OPERATOR_LANGUAGE.
import { readCommandFile, type Command } from "./command.ts";
import { basename } from "node:path";
import { operatorLang, tFor } from "../i18n/i18n.ts";
import { formatImportProblem, importMembers } from "../membership/member-import.ts";
import { findUnitByCode } from "../organisation/units.ts";

const t = tFor(operatorLang());


export const memberCommands: Record<string, Command> = {
  async "import-members"(prisma, args) {
    const [code, file] = args;
    if (!code || !file || args.length !== 2) {
      console.log(t("members.cli.usage"));
      return 2;
    }
    const unit = await findUnitByCode(prisma, code);
    if (!unit) {
      console.error(t("members.cli.unit_not_found", { code }));
      return 1;
    }
    const bytes = await readCommandFile(file, t, "members.cli.file_unreadable");
    if (!bytes) return 1;
    const result = await importMembers(prisma, { actorId: null, unitId: unit.id, file: bytes, fileName: basename(file) });
    if (!result.ok) {
      console.error(formatImportProblem(result, t, Number.MAX_SAFE_INTEGER));
      return 1;
    }
    console.log(t("members.cli.done", { created: result.created, unchanged: result.unchanged, unit: unit.name }));
    return 0;
  },
};
