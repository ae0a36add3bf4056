// The pieces of broadcast timing a member or officer would notice: the pacer never lets more messages out
// in a second than Telegram allows (so no 429s from our own pace), a 429 pauses everything, quiet hours end
// at 07:00 Vietnam time, and a typed send time is read as Vietnam time.
import { describe, expect, it } from "vitest";
import { Pacer } from "../../src/outbox/pacer.ts";
import { isQuietHours, parseVietnamDateTime } from "../../src/shared/time.ts";

const vn = (local: string) => new Date(`${local}+07:00`);

describe("pacer", () => {
  it("never lets 31 messages out within one second at 0.97 × 30/s, even when the sender is late", async () => {
    const pacer = new Pacer(30 * 0.97);
    const times: number[] = [];
    for (let i = 0; i < 45; i++) {
      await pacer.take(String(i));
      times.push(Date.now());
      // A busy event loop now and then: the send goes out late.
      if (i % 7 === 3) {
        const until = Date.now() + 25;
        while (Date.now() < until);
      }
    }
    for (let i = 30; i < times.length; i++) expect(times[i]! - times[i - 30]!).toBeGreaterThan(1000);
  });

  it("keeps a second between two messages to the same chat, and waits out a 429 pause", async () => {
    const pacer = new Pacer(1000);
    await pacer.take("42");
    const first = Date.now();
    await pacer.take("42");
    expect(Date.now() - first).toBeGreaterThanOrEqual(999);
    const pausedAt = Date.now();
    pacer.pauseUntil(pausedAt + 300);
    await pacer.take("43");
    expect(Date.now()).toBeGreaterThanOrEqual(pausedAt + 300);
  });
});

describe("quiet hours and send times (Vietnam time)", () => {
  it("21:00–07:00 is quiet, 07:00–21:00 is not", () => {
    expect(isQuietHours(vn("2026-05-04T20:59"))).toBe(false);
    expect(isQuietHours(vn("2026-05-04T21:00"))).toBe(true);
    expect(isQuietHours(vn("2026-05-05T06:59"))).toBe(true);
  });

  it("reads dd/mm/yyyy HH:mm as Vietnam time and refuses impossible dates", () => {
    expect(parseVietnamDateTime("25/12/2026 08:30")).toEqual(vn("2026-12-25T08:30"));
    expect(parseVietnamDateTime(" 1/2/2027 7:05 ")).toEqual(vn("2027-02-01T07:05"));
    for (const bad of ["31/02/2026 08:00", "25/12/2026 24:00", "25/12/2026", "2026-12-25 08:30", "25/13/2026 08:00"]) {
      expect(parseVietnamDateTime(bad)).toBeNull();
    }
  });
});
