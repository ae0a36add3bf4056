// Orders test files for a run without vitest's cache (a clean clone in CI): in each project the slowest files first, so
// the run does not end with two workers idle while a 30-second file that started last finishes. Projects stay apart:
// a worker serves one project, and with `isolate: false` a new worker imports the application again. The seconds are
// one run's on the 2-core machine; they only order files, so a stale figure costs time, never a result.
import { statSync } from "node:fs";
import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

const SECONDS: Record<string, number> = {
  "test/e2e/broadcast.test.ts": 24,
  "test/e2e/broadcast-outage.test.ts": 19,
  "test/e2e/big-import.test.ts": 16,
  "test/cli.test.ts": 14,
  "test/db/pool-burst.test.ts": 13,
  "test/db/backup.test.ts": 13,
  "test/e2e/instances.test.ts": 13,
  "test/e2e/broadcast-crash.test.ts": 11,
  "test/e2e/reminder-schedule.test.ts": 10,
  "test/browser/web-chat.test.ts": 10,
  "test/e2e/decisions.test.ts": 10,
  "test/e2e/inbox-crash.test.ts": 10,
  "test/e2e/api-faults.test.ts": 9,
  "test/config.test.ts": 9,
  "test/e2e/operations.test.ts": 8,
  "test/fuzz/join.fuzz.test.ts": 7,
  "test/e2e/role-matrix.test.ts": 7,
  "test/fuzz/officer-forms.fuzz.test.ts": 6,
  "test/e2e/inbox.test.ts": 6,
  "test/e2e/data-request-reminders.test.ts": 6,
  "test/db/embedded-lock.test.ts": 6,
  "test/e2e/broadcast-instances.test.ts": 5,
  "test/e2e/reasked-buttons.test.ts": 4,
  "test/migrations-drift.test.ts": 4,
};

export default class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    // Unlisted files by size, a few seconds at most: about a second per 4 kB of test.
    const seconds = (spec: TestSpecification) => SECONDS[relative(process.cwd(), spec.moduleId)] ?? statSync(spec.moduleId).size / 4096;
    return [...files].sort((a, b) => a.project.name.localeCompare(b.project.name) || seconds(b) - seconds(a));
  }
}
