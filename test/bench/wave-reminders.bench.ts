// `npm run bench wave-reminders`: the cost, on the database side, of a wave's member announcement at province size —
// 969 grassroots unions, 50,000 members who use the bot — on PGlite (in memory) and PostgreSQL, in throw-away databases
// migrated by the project's own code:
// - finding who is due at the wave-start instant (dueReminders: every member);
// - queueing their texts in the outbox (runDueReminders with the bot's own queueMemberTexts: each text rendered in the
//   member's language with the join link, one bot-made broadcast, rows written in batches);
// - the schedule's later runs in the day-long window (every 15 minutes), when everyone is queued already.
// The outbox then sends at Telegram's pace (≈ 30 messages/s in bulk: 50,000 ≈ 28 min; see the broadcast bench).
// PostgreSQL: the server of ./server.ts.
import { performance } from "node:perf_hooks";
import { openDatabase, type Database } from "../../src/db/database.ts";
import { applyMigrations } from "../../src/db/schema-engine.ts";
import { queueMemberTexts } from "../../src/bot/reminders/send.ts";
import { dueReminders, runDueReminders } from "../../src/drive/reminders.ts";
import { createLogger } from "../../src/logger.ts";
import type { Benchmark } from "./run.ts";
import { admin, urlFor } from "./server.ts";

const MEMBERS = 50_000;
const COMMUNES = 30;
const GRASSROOTS = 969;
const WAVE_START = new Date("2026-05-01T08:00:00+07:00");

const GENERATE = [
  `INSERT INTO "Unit" (id, code, name, "searchName", type, "updatedAt") VALUES ('root', 'ROOT', 'Tỉnh', 'tinh', 'PROVINCE_FEDERATION', now())`,
  `INSERT INTO "Unit" (id, code, name, "searchName", type, "parentId", "updatedAt")
   SELECT 'c' || i, 'C' || i, 'Xã ' || i, 'xa ' || i, 'COMMUNE_UNION', 'root', now() FROM generate_series(1, ${COMMUNES}) i`,
  `INSERT INTO "Unit" (id, code, name, "searchName", type, "parentId", "updatedAt")
   SELECT 'g' || i, 'G' || i, 'CĐCS ' || i, 'cdcs ' || i, 'GRASSROOTS', 'c' || ((i - 1) % ${COMMUNES} + 1), now() FROM generate_series(1, ${GRASSROOTS}) i`,
  `INSERT INTO "Person" (id, "updatedAt") SELECT 'p' || i, now() FROM generate_series(1, ${MEMBERS}) i`,
  `INSERT INTO "ChatIdentity" (id, channel, "externalId", "chatId", "personId") SELECT 'ci' || i, 'TELEGRAM', i::text, i::text, 'p' || i FROM generate_series(1, ${MEMBERS}) i`,
  `INSERT INTO "Member" (id, "personId", "unitId", "fullName") SELECT 'm' || i, 'p' || i, 'g' || (i % ${GRASSROOTS} + 1), 'Đoàn viên ' || i FROM generate_series(1, ${MEMBERS}) i`,
  `INSERT INTO "Campaign" (id, code, name, "issuingUnitId", "startsOn", "endsOn") VALUES ('camp', 'CAMP', 'Tháng cao điểm', 'root', DATE '2026-05-01', DATE '2026-07-31')`,
  `INSERT INTO "Wave" (id, "campaignId", name, "startsOn", "endsOn", announcement) VALUES ('w1', 'camp', 'Đợt 1', DATE '2026-05-01', DATE '2026-05-31', 'Lời kêu gọi')`,
  `ANALYZE`,
];

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);

async function measure(db: Database): Promise<string[]> {
  for (const statement of GENERATE) await db.prisma.$executeRawUnsafe(statement);
  let t = performance.now();
  const due = await dueReminders(db.prisma, WAVE_START);
  const find = performance.now() - t;
  t = performance.now();
  // No Telegram is reached: chairs (none here) would be delivered directly; members' texts only go to the outbox.
  const deps = { api: undefined as never, prisma: db.prisma, logger: createLogger("silent"), botUsername: () => "congdoan_bot" };
  const run = await runDueReminders({ prisma: db.prisma, deliver: async () => "sent", announce: queueMemberTexts(deps) }, WAVE_START);
  const queue = performance.now() - t;
  t = performance.now();
  const later = await dueReminders(db.prisma, new Date(WAVE_START.getTime() + 15 * 60_000));
  const again = performance.now() - t;
  return [
    `| find the due (${due.length.toLocaleString("en")} members) | **${fmt(find)}** |`,
    `| queue their texts in the outbox (${run.queued.toLocaleString("en")} rows) | **${fmt(queue)}** (${((queue / Math.max(run.queued, 1)) * 1000).toFixed(0)} µs each) |`,
    `| a later run in the window (${later.length} due) | **${fmt(again)}** |`,
  ];
}



const bench: Benchmark = {
  title: "Wave announcement to members (reminders fan-out, database side)",
  async run() {
    const out = [
      `Province size: ${GRASSROOTS} grassroots unions under ${COMMUNES} communes, ${MEMBERS.toLocaleString("en")} members reachable on Telegram; one wave starting.`,
      "",
    ];
    {
      console.log("PGlite");
      const db = await openDatabase({ dataDir: "memory://" });
      await applyMigrations(db.adapterFactory);
      out.push("**PGlite** (in memory)", "", "| step | time |", "|---|---|", ...(await measure(db)), "");
      await db.close();
    }
    {
      console.log("PostgreSQL");
      await admin(`DROP DATABASE IF EXISTS bench_waves WITH (FORCE)`);
      await admin(`CREATE DATABASE bench_waves`);
      const db = await openDatabase({ url: urlFor("bench_waves"), dataDir: "" });
      await applyMigrations(db.adapterFactory);
      out.push("**PostgreSQL**", "", "| step | time |", "|---|---|", ...(await measure(db)), "");
      await db.close();
      await admin(`DROP DATABASE IF EXISTS bench_waves WITH (FORCE)`);
    }
    out.push(
      "Reading: the reminder job only finds the members and writes their texts to the outbox, in one transaction; the broadcast sender then delivers them at Telegram's pace together with officers' broadcasts (one sender across instances, 429s honoured, quiet hours kept), so a province-wide wave start no longer runs inside the job for half an hour. Later runs in the day-long window find everyone already queued (one indexed read of the broadcast's rows) and write nothing.",
    );
    return out.join("\n");
  },
};
export default bench;
