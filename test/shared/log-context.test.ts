// A log line written while an update is handled names the update (its inbox row and channel) so an operator can
// follow one update through the logs, and still carries nothing personal.
import { describe, expect, it } from "vitest";
import { currentHandling } from "../../src/inbox/handling.ts";
import { createLogger } from "../../src/logger.ts";
import { LogCapture } from "../support/app.ts";

describe("log lines during an update", () => {
  it("carry the inbox id and channel inside the handling, and not outside it", async () => {
    const capture = new LogCapture();
    const logger = createLogger("info", capture);
    await currentHandling.run({ id: "4711", channel: "ZALO", marked: false, retryable: true }, async () => {
      await Promise.resolve();
      logger.warn({ fullName: "Nguyễn Văn A", phone: "+84912345678" }, "something went wrong");
    });
    logger.info("outside");
    const [inside, outside] = capture.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(inside).toMatchObject({ inboxId: "4711", channel: "ZALO", msg: "something went wrong", fullName: "[redacted]", phone: "[redacted]" });
    expect(outside).not.toHaveProperty("inboxId");
    expect(capture.text).not.toContain("Nguyễn");
  });
});
