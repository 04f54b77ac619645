/**
 * A schedule is bounded before it is read (at most 1024 characters, at most 64 items in a cron
 * list), and reading what is allowed is linear. The report: a cron list of 65 000 items took
 * 4.6 s to compile, and a 1 MB `when` in a config file would have blocked the daemon for 17 s.
 */
import { describe, expect, it } from "vitest";
import { parseSchedule } from "../../src/schedule/schedule.js";
import { runwhenSchedule } from "../../src/schedule/runwhen-schedule.js";
import { tz } from "../zones.js";
import { rejectionOf } from "./schedule-rejection.js";

/** n minutes 0,1,…,59,0,1,… as one cron list */
const minuteList = (n: number) => Array.from({ length: n }, (_, i) => i % 60).join(",");

describe("schedule text is bounded", () => {
  it("a cron list of 65 000 items is refused, naming the length limit", () => {
    const text = `${minuteList(65_000)} * * * *`;
    expect(rejectionOf(() => parseSchedule(text))).toContain(`schedule too long: ${text.length} characters, at most 1024 allowed`);
  });
  it("a 1 MB schedule is refused, quoting only its start", () => {
    const text = "1".repeat(1 << 20);
    const msg = rejectionOf(() => parseSchedule(text));
    expect(msg).toContain("schedule too long: 1048576 characters, at most 1024 allowed");
    expect(msg.length).toBeLessThan(200);
  });
  it("runwhen constraints have the same bound, for rw-match too", () => {
    const text = `,M=0${",".repeat(2000)}`;
    expect(rejectionOf(() => parseSchedule(text))).toContain("at most 1024 allowed");
    expect(rejectionOf(() => runwhenSchedule(text))).toContain("at most 1024 allowed");
  });
  it("a list of 65 items is refused, naming the field, its position and the list limit", () => {
    // 65 single-digit items: 129 characters, well under the length limit.
    const list = Array.from({ length: 65 }, (_, i) => i % 10).join(",");
    const msg = rejectionOf(() => parseSchedule(`0 ${list} * * * *`));
    expect(msg).toContain("position 3 (minute");
    expect(msg).toContain("a list of 65 items, at most 64 allowed");
  });
  it("64 items and 1024 characters are allowed", () => {
    expect(parseSchedule(`${minuteList(64)} * * * *`).next({ seconds: 30, nanos: 0 }, tz("UTC")).seconds).toBe(60);
    const padded = `${" ".repeat(1024 - 9)}0 * * * *`;
    expect(padded.length).toBe(1024);
    expect(parseSchedule(padded).language).toBe("cron");
  });
});

describe("reading an allowed schedule is linear in its length", () => {
  // The costliest expression the limits allow: 6 fields, each a list of 64 `*` items, so every
  // item sets every value of its field (64 × 60 per field), 767 characters. A linear reader does
  // about 25 000 small steps for it: some 50 µs on an idle core, under 1 ms with the machine 12
  // times oversubscribed. The old reader probed a fake expression per item: 4.6 s for 65 000
  // items, about 70 µs an item, some 27 ms for these 384. The bound, 5 ms a compile, sits
  // between the two with a wide margin each way; the best of several batches is taken so that a
  // moment of load on a shared machine does not decide the outcome.
  const field = Array.from({ length: 64 }, () => "*").join(",");
  const text = Array.from({ length: 6 }, () => field).join(" ");
  const BATCH = 40;
  const MS_PER_COMPILE = 5;

  it("the costliest allowed expression compiles in well under 5 ms (best of 5 batches of 40)", () => {
    expect(text.length).toBeLessThanOrEqual(1024);
    expect(parseSchedule(text).next({ seconds: 0, nanos: 1 }, tz("UTC")).seconds).toBe(1); // every second
    const batches: number[] = [];
    for (let b = 0; b < 5; b++) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < BATCH; i++) parseSchedule(text);
      batches.push(Number(process.hrtime.bigint() - start) / 1e6 / BATCH);
    }
    const best = Math.min(...batches);
    expect(
      best,
      `ms per compile of a ${text.length}-character expression, per batch: ${batches.map((ms) => ms.toFixed(2)).join(" ")}`,
    ).toBeLessThan(MS_PER_COMPILE);
  });
});
