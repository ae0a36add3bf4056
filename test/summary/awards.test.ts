// Award tiers of a campaign (modelled on the An Giang emulation rules, seeds/003): certificates when the net increase
// meets the target, more at ≥10 % and ≥20 % above it, cumulative, with exact integer thresholds.
import { describe, expect, it } from "vitest";
import { DEMO_CAMPAIGN } from "../../src/drive/demo.ts";
import { awardsSchema, evaluateAward, parseAwards } from "../../src/summary/awards.ts";

const config = awardsSchema.parse(DEMO_CAMPAIGN.awards);

describe("evaluateAward", () => {
  it("gives a group-1 unit its base certificates at exactly 100 %, one more individual at 110 %, one more collective at 120 %", () => {
    expect(evaluateAward(config, "LC-DK", { target: 60, net: 59 })).toEqual({ group: "Nhóm 1", qualifies: false, collective: 0, individual: 0, tiers: [] });
    expect(evaluateAward(config, "LC-DK", { target: 60, net: 60 })).toEqual({ group: "Nhóm 1", qualifies: true, collective: 2, individual: 5, tiers: [] });
    expect(evaluateAward(config, "LC-DK", { target: 60, net: 65 })).toMatchObject({ collective: 2, individual: 5, tiers: [] });
    expect(evaluateAward(config, "LC-DK", { target: 60, net: 66 })).toMatchObject({ collective: 2, individual: 6, tiers: [10] });
    expect(evaluateAward(config, "LC-DK", { target: 60, net: 71 })).toMatchObject({ collective: 2, individual: 6, tiers: [10] });
    expect(evaluateAward(config, "LC-DK", { target: 60, net: 72 })).toMatchObject({ collective: 3, individual: 6, tiers: [10, 20] });
  });

  it("uses each group's own tiers: group 2 adds individual certificates, group 3 only the 10 % one", () => {
    expect(evaluateAward(config, "lc-bl", { target: 15, net: 18 })).toMatchObject({ group: "Nhóm 2", collective: 2, individual: 6, tiers: [10, 20] });
    expect(evaluateAward(config, "LC-YT", { target: 25, net: 100 })).toMatchObject({ group: "Nhóm 3", collective: 2, individual: 3, tiers: [10] });
  });

  it("rounds nothing: 10 % above a target of 15 is 16.5, so 16 is not enough and 17 is", () => {
    expect(evaluateAward(config, "LC-BL", { target: 15, net: 16 })).toMatchObject({ individual: 3, tiers: [] });
    expect(evaluateAward(config, "LC-BL", { target: 15, net: 17 })).toMatchObject({ individual: 4, tiers: [10] });
  });

  it("gives nothing to a unit in no group or without a target", () => {
    expect(evaluateAward(config, "LC-DK-CSLC", { target: 10, net: 50 })).toBeNull();
    expect(evaluateAward(config, "LC-DK", { target: null, net: 50 })).toBeNull();
    expect(evaluateAward(config, "LC-DK", { target: 0, net: 50 })).toBeNull();
  });
});

describe("awards configuration", () => {
  it("refuses a unit in two groups, negative counts and a missing award name", () => {
    const twice = { award: "Bằng khen", groups: [{ name: "A", units: ["X"], collective: 1, individual: 1 }, { name: "B", units: ["x"], collective: 1, individual: 1 }] };
    expect(awardsSchema.safeParse(twice).success).toBe(false);
    expect(awardsSchema.safeParse({ award: "B", groups: [{ name: "A", units: ["X"], collective: -1, individual: 1 }] }).success).toBe(false);
    expect(awardsSchema.safeParse({ award: " ", groups: [{ name: "A", units: ["X"], collective: 1, individual: 1 }] }).success).toBe(false);
  });

  it("reads the stored JSON, and no JSON as no awards", () => {
    expect(parseAwards(null)).toBeNull();
    expect(parseAwards(JSON.parse(JSON.stringify(config)))).toEqual(config);
    expect(() => parseAwards({ groups: "nope" })).toThrow();
  });
});
