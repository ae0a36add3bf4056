// The policy table, spelled out: every action × every role × where the target sits relative to the
// unit the role is granted on. Deny by default; ADMIN is allowed every known action everywhere.
import { describe, expect, it } from "vitest";
import { can, type Action, type UnitTarget } from "../../src/policy/policy.ts";
import type { RoleScope } from "../../src/organisation/roles.ts";

// A small union tree. Roles (other than ADMIN) are granted on A.
//
//   R (province)
//   ├── A (commune)        ← the grant
//   │   └── A1 (grassroots)
//   └── B (commune)
//       └── B1 (grassroots)
const TARGETS = {
  own: { unitId: "A", ancestors: ["A", "R"] },
  subtree: { unitId: "A1", ancestors: ["A1", "A", "R"] },
  outside: { unitId: "B1", ancestors: ["B1", "B", "R"] },
  /** The unit above the grant: outside its subtree too. */
  above: { unitId: "R", ancestors: ["R"] },
} satisfies Record<string, UnitTarget>;
type Where = keyof typeof TARGETS;
const WHERE = Object.keys(TARGETS) as Where[];

const ROLES = {
  ADMIN: [{ role: "ADMIN", unitId: null }],
  OFFICER: [{ role: "OFFICER", unitId: "A" }],
  CHAIR: [{ role: "CHAIR", unitId: "A" }],
  none: [],
} satisfies Record<string, RoleScope[]>;
type Who = keyof typeof ROLES;

const ACTIONS = ["application.decide", "application.view", "role.grant", "invite.create", "invite.revoke",
  "member.list", "member.leave", "member.import", "audit.read", "poster.create",
  "unit.import", "unit.export",
  "report.submit", "report.status", "report.nudge",
  "campaign.manage", "target.set", "target.view",
  "summary.view", "export.data", "export.personal",
  "broadcast.create", "broadcast.view", "broadcast.edit", "broadcast.cancel",
  "privacy.correction.decide", "privacy.erasure.decide"] as const satisfies readonly Action[];
// Compile-time check (npm run typecheck): a new Action must be added to ACTIONS and to EXPECTED.
type Unlisted = Exclude<Action, (typeof ACTIONS)[number]>;
const everyActionListed: [Unlisted] extends [never] ? true : false = true;

const Y = true;
const N = false;
/** [own unit, subtree, outside the subtree, above the unit] */
type Row = [own: boolean, subtree: boolean, outside: boolean, above: boolean];

const EXPECTED: Record<Action, Record<Who, Row>> = {
  // A member's own data requests: their union's chair or deputy, and admins; officers above do not see them.
  "privacy.correction.decide": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [N, N, N, N],
    CHAIR: [Y, N, N, N],
    none: [N, N, N, N],
  },
  "privacy.erasure.decide": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [N, N, N, N],
    CHAIR: [Y, N, N, N],
    none: [N, N, N, N],
  },
  "audit.read": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [N, N, N, N],
    CHAIR: [N, N, N, N],
    none: [N, N, N, N],
  },
  "application.decide": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [Y, Y, N, N],
    CHAIR: [Y, N, N, N],
    none: [N, N, N, N],
  },
  "application.view": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [Y, Y, N, N],
    CHAIR: [Y, N, N, N],
    none: [N, N, N, N],
  },
  "role.grant": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [Y, Y, N, N],
    CHAIR: [N, N, N, N],
    none: [N, N, N, N],
  },
  "invite.create": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [Y, Y, N, N],
    CHAIR: [N, N, N, N],
    none: [N, N, N, N],
  },
  "invite.revoke": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [Y, Y, N, N],
    CHAIR: [N, N, N, N],
    none: [N, N, N, N],
  },
  "member.list": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [Y, Y, N, N],
    CHAIR: [Y, N, N, N],
    none: [N, N, N, N],
  },
  "member.leave": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [Y, Y, N, N],
    CHAIR: [Y, N, N, N],
    none: [N, N, N, N],
  },
  "member.import": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [Y, Y, N, N],
    CHAIR: [Y, N, N, N],
    none: [N, N, N, N],
  },
  "poster.create": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [Y, Y, N, N],
    CHAIR: [Y, N, N, N],
    none: [N, N, N, N],
  },
  "unit.import": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [Y, Y, N, N],
    CHAIR: [N, N, N, N],
    none: [N, N, N, N],
  },
  "unit.export": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [Y, Y, N, N],
    CHAIR: [N, N, N, N],
    none: [N, N, N, N],
  },
  "report.submit": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [Y, Y, N, N],
    CHAIR: [Y, N, N, N],
    none: [N, N, N, N],
  },
  "report.status": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [Y, Y, N, N],
    CHAIR: [N, N, N, N],
    none: [N, N, N, N],
  },
  "report.nudge": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [Y, Y, N, N],
    CHAIR: [N, N, N, N],
    none: [N, N, N, N],
  },
  "campaign.manage": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [Y, Y, N, N],
    CHAIR: [N, N, N, N],
    none: [N, N, N, N],
  },
  // Only the units below the officer's own: a unit's own target comes from the level above.
  "target.set": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [N, Y, N, N],
    CHAIR: [N, N, N, N],
    none: [N, N, N, N],
  },
  "target.view": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [Y, Y, N, N],
    CHAIR: [Y, N, N, N],
    none: [N, N, N, N],
  },
  "summary.view": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [Y, Y, N, N],
    CHAIR: [Y, N, N, N],
    none: [N, N, N, N],
  },
  "export.data": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [Y, Y, N, N],
    CHAIR: [Y, N, N, N],
    none: [N, N, N, N],
  },
  // Personal data columns in exports: the union's own chair (and admins), not officers exporting a subtree.
  "export.personal": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [N, N, N, N],
    CHAIR: [Y, N, N, N],
    none: [N, N, N, N],
  },  "broadcast.create": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [Y, Y, N, N],
    CHAIR: [N, N, N, N],
    none: [N, N, N, N],
  },
  "broadcast.view": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [Y, Y, N, N],
    CHAIR: [N, N, N, N],
    none: [N, N, N, N],
  },
  "broadcast.edit": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [Y, Y, N, N],
    CHAIR: [N, N, N, N],
    none: [N, N, N, N],
  },
  "broadcast.cancel": {
    ADMIN: [Y, Y, Y, Y],
    OFFICER: [Y, Y, N, N],
    CHAIR: [N, N, N, N],
    none: [N, N, N, N],
  },
};

const cases = ACTIONS.flatMap((action) =>
  (Object.keys(ROLES) as Who[]).flatMap((who) =>
    WHERE.map((where, i) => ({ action, who, where, allowed: EXPECTED[action][who][i] as boolean })),
  ),
);

describe("can(roles, action, target)", () => {
  it("covers every action", () => {
    expect(everyActionListed).toBe(true);
    expect(cases).toHaveLength(ACTIONS.length * 4 * WHERE.length);
  });

  it.each(cases)("$action by $who on a target $where → $allowed", ({ action, who, where, allowed }) => {
    expect(can(ROLES[who], action, TARGETS[where])).toBe(allowed);
  });

  describe("deny by default", () => {
    const unknown = ["application.delete", "", "APPLICATION.DECIDE", "application.decide "];
    it.each(unknown)("an action not in the table (%j) is refused to everyone, ADMIN included", (action) => {
      for (const who of Object.keys(ROLES) as Who[]) {
        for (const where of WHERE) expect(can(ROLES[who], action as Action, TARGETS[where])).toBe(false);
      }
    });

    // Names an object inherits ("constructor", "toString", "__proto__") are not entries of the table.
    it.each(["constructor", "toString", "__proto__", "hasOwnProperty"])("an inherited property name (%s) is not an action", (action) => {
      for (const who of Object.keys(ROLES) as Who[]) {
        for (const where of WHERE) expect(can(ROLES[who], action as Action, TARGETS[where])).toBe(false);
      }
    });

    it("no roles at all: refused", () => {
      for (const action of ACTIONS) expect(can([], action, TARGETS.own)).toBe(false);
    });

    it("an OFFICER or CHAIR grant without a unit (malformed) reaches nothing", () => {
      for (const action of ACTIONS) {
        for (const role of ["OFFICER", "CHAIR"] as const) {
          for (const where of WHERE) expect(can([{ role, unitId: null }], action, TARGETS[where])).toBe(false);
        }
      }
    });

    it("a target whose ancestors were not given is only the unit itself", () => {
      expect(can(ROLES.OFFICER, "application.decide", { unitId: "A1", ancestors: [] })).toBe(false);
      expect(can(ROLES.CHAIR, "application.decide", { unitId: "A", ancestors: [] })).toBe(true);
    });
  });

  it("several grants: allowed when any one of them allows", () => {
    const both: RoleScope[] = [
      { role: "CHAIR", unitId: "B1" },
      { role: "OFFICER", unitId: "A" },
    ];
    expect(can(both, "application.decide", TARGETS.subtree)).toBe(true); // through OFFICER on A
    expect(can(both, "application.decide", TARGETS.outside)).toBe(true); // through CHAIR on B1
    expect(can(both, "role.grant", TARGETS.outside)).toBe(false); // a chair grants nothing
    expect(can(both, "application.decide", { unitId: "B", ancestors: ["B", "R"] })).toBe(false); // above the chair
  });

  // A deputy chair (phó chủ tịch CĐCS) acts like the chair of their union, in every rule.
  it.each(ACTIONS)("%s: DEPUTY_CHAIR on A is allowed exactly where CHAIR on A is", (action) => {
    for (const where of WHERE) {
      expect(can([{ role: "DEPUTY_CHAIR", unitId: "A" }], action, TARGETS[where])).toBe(can(ROLES.CHAIR, action, TARGETS[where]));
    }
  });

  it("an ADMIN grant is allowed everywhere, whatever unit it names", () => {
    for (const action of ACTIONS) {
      expect(can([{ role: "ADMIN", unitId: "B1" }], action, TARGETS.own)).toBe(true);
      expect(can([{ role: "ADMIN", unitId: null }], action, { unitId: "Z", ancestors: [] })).toBe(true);
    }
  });
});
