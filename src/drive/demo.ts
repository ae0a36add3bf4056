// Demo drive data for Lai Châu, from the plans in shared/seeds/:
// - 000: the 2026 "Tháng cao điểm" of LĐLĐ tỉnh Lai Châu (plan of 02/04/2026), two waves: Đợt 1 = May 2026 (Workers'
//   Month), Đợt 2 = July 2026, ending on 28/7, the 97th anniversary of the Vietnam Trade Union (28/7/1929). Each wave
//   carries the member-facing announcement (Vietnamese) that members of the province's unions receive on its first day.
// - 001: the province's 2025 target, a net increase (thực tăng) of 1,810 members.
// - 004: the targets of the former Phong Thổ district plan (≥50 new members, 1 new non-state CĐCS, ≥94 members
//   introduced to the Party), applied here to the commune union of Phong Thổ (LC-PT) for 2026, as an example of a
//   lower unit's yearly targets.
// - this year's net-increase targets (the current year on the clock, in Vietnam time, so that the first /summary a
//   newcomer opens has bars whatever the date): each grassroots union 30 % of its workers not yet members (at
//   least 1), each upper-level union the sum of its subtree's. Illustrative numbers, not a plan's.
// Loading twice changes nothing (the campaign is matched by code, targets by unit, period and metric).
import type { TargetMetric } from "../generated/prisma/client.ts";
import type { PrismaClient } from "../db/database.ts";
import { findUnitByCode } from "../organisation/units.ts";
import { createCampaign, findCampaignByCode, type CampaignInput } from "./campaigns.ts";
import { setTarget, type Period } from "./targets.ts";
import { awardsSchema, type AwardsInput } from "../summary/awards.ts";
import { LAI_CHAU_DEMO } from "../organisation/demo/lai-chau.ts";
import { vietnamDate } from "../shared/time.ts";

export const DEMO_CAMPAIGN: { issuingUnitCode: string; input: CampaignInput; awards: AwardsInput } = {
  issuingUnitCode: "LC",
  // Award tiers modelled on the An Giang emulation rules (seeds/003): units in groups; Bằng khen when the net increase
  // meets the target; one more individual certificate at ≥10 % above it, one more collective (group 1) or individual
  // (group 2) at ≥20 %. Groups: the two wards, the four communes, the sectoral unions and the union directly under LC.
  awards: {
    award: "Bằng khen Liên đoàn Lao động tỉnh",
    groups: [
      { name: "Nhóm 1", units: ["LC-TP", "LC-DK"], collective: 2, individual: 5, tiers: [{ abovePercent: 10, individual: 1 }, { abovePercent: 20, collective: 1 }] },
      { name: "Nhóm 2", units: ["LC-PT", "LC-BL", "LC-TU", "LC-SH"], collective: 2, individual: 3, tiers: [{ abovePercent: 10, individual: 1 }, { abovePercent: 20, individual: 2 }] },
      { name: "Nhóm 3", units: ["LC-GD", "LC-YT", "LC-BD"], collective: 2, individual: 2, tiers: [{ abovePercent: 10, individual: 1 }] },
    ],
  },
  input: {
    code: "LC-TCD-2026",
    name: "Tháng cao điểm phát triển đoàn viên, thành lập CĐCS năm 2026",
    startsOn: "01/05/2026",
    endsOn: "31/07/2026",
    waves: [
      {
        name: "Đợt 1 – Tháng Công nhân",
        startsOn: "01/05/2026",
        endsOn: "31/05/2026",
        announcement:
          "Tháng 5/2026 là Tháng Công nhân, mở đầu Tháng cao điểm phát triển đoàn viên của LĐLĐ tỉnh Lai Châu. Mỗi đoàn viên hãy giới thiệu ít nhất một đồng nghiệp chưa vào công đoàn: gửi cho họ đường link hoặc mã QR gia nhập của công đoàn cơ sở mình để đăng ký ngay trong chat.",
      },
      {
        name: "Đợt 2 – Kỷ niệm 97 năm Ngày thành lập Công đoàn Việt Nam (28/7)",
        startsOn: "01/07/2026",
        endsOn: "28/07/2026",
        announcement:
          "Chào mừng 97 năm Ngày thành lập Công đoàn Việt Nam (28/7/1929 – 28/7/2026), Đợt 2 Tháng cao điểm bắt đầu. Công đoàn là nhà của người lao động: hãy rủ đồng nghiệp chưa vào công đoàn cùng đăng ký gia nhập trước ngày 28/7.",
      },
    ],
  },
};

export type DemoTarget = { unitCode: string; period: { year: number } | { campaignCode: string }; metric: TargetMetric; value: number };

export const DEMO_TARGETS: DemoTarget[] = [
  { unitCode: "LC", period: { year: 2025 }, metric: "NET_INCREASE", value: 1810 },
  { unitCode: "LC-PT", period: { year: 2026 }, metric: "NEW_MEMBERS", value: 50 },
  { unitCode: "LC-PT", period: { year: 2026 }, metric: "NEW_GRASSROOTS", value: 1 },
  { unitCode: "LC-PT", period: { year: 2026 }, metric: "PARTY_INTRODUCTIONS", value: 94 },
  // Net-increase targets of the campaign for the province and the units directly under it (illustrative numbers).
  ...([
    ["LC", 300], ["LC-TP", 40], ["LC-DK", 60], ["LC-PT", 20], ["LC-BL", 15], ["LC-TU", 25], ["LC-SH", 10], ["LC-GD", 15], ["LC-YT", 25], ["LC-BD", 5],
  ] as const).map(([unitCode, value]) => ({ unitCode, period: { campaignCode: "LC-TCD-2026" }, metric: "NET_INCREASE" as const, value })),
];

/** This year's net-increase targets (the year of `now` in Vietnam) for every unit of the demo tree. */
export function currentYearTargets(now: Date = new Date()): DemoTarget[] {
  const year = vietnamDate(now).getUTCFullYear();
  const byCode = new Map(LAI_CHAU_DEMO.map((u) => [u.code, u]));
  const sums = new Map<string, number>();
  for (const unit of LAI_CHAU_DEMO) {
    if (unit.workerCount === undefined) continue;
    const own = Math.max(1, Math.ceil(((unit.workerCount ?? 0) - (unit.memberCount ?? 0)) * 0.3));
    // The union itself and every union above it.
    for (let at: string | undefined = unit.code; at; at = byCode.get(at)?.parentCode) sums.set(at, (sums.get(at) ?? 0) + own);
  }
  return LAI_CHAU_DEMO.filter((u) => sums.has(u.code)).map((u) => ({ unitCode: u.code, period: { year }, metric: "NET_INCREASE" as const, value: sums.get(u.code)! }));
}

/** Every demo target: the plans' (DEMO_TARGETS) and this year's; a plan's target wins when both name the same one. */
export function demoTargets(now: Date = new Date()): DemoTarget[] {
  const key = (t: DemoTarget) => `${t.unitCode}|${"year" in t.period ? t.period.year : t.period.campaignCode}|${t.metric}`;
  const seen = new Set(DEMO_TARGETS.map(key));
  return [...DEMO_TARGETS, ...currentYearTargets(now).filter((t) => !seen.has(key(t)))];
}

/** Loads the demo campaign and targets (the demo units must be loaded first). Returns what was loaded. */
export async function loadDriveDemo(prisma: PrismaClient, now: Date = new Date()): Promise<{ campaigns: number; targets: number }> {
  const issuer = await findUnitByCode(prisma, DEMO_CAMPAIGN.issuingUnitCode);
  if (!issuer) throw new Error(`demo unit ${DEMO_CAMPAIGN.issuingUnitCode} missing: load the demo units first`);
  if (!(await findCampaignByCode(prisma, DEMO_CAMPAIGN.input.code))) {
    const result = await createCampaign(prisma, { operator: true }, issuer.id, DEMO_CAMPAIGN.input);
    if (!result.ok) throw new Error(`demo campaign not created: ${result.reason}`);
  }
  await prisma.campaign.update({ where: { code: DEMO_CAMPAIGN.input.code }, data: { awards: awardsSchema.parse(DEMO_CAMPAIGN.awards) } });
  const targets = demoTargets(now);
  for (const target of targets) {
    const unit = await findUnitByCode(prisma, target.unitCode);
    if (!unit) throw new Error(`demo unit ${target.unitCode} missing`);
    let period: Period;
    if ("year" in target.period) period = target.period;
    else {
      const campaign = await findCampaignByCode(prisma, target.period.campaignCode);
      if (!campaign) throw new Error(`demo campaign ${target.period.campaignCode} missing`);
      period = { campaignId: campaign.id };
    }
    const result = await setTarget(prisma, { actorId: null, unitId: unit.id, period, metric: target.metric, value: target.value });
    if (!result.ok) throw new Error(`demo target not set: ${result.reason}`);
  }
  return { campaigns: 1, targets: targets.length };
}
