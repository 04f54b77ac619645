/**
 * The examples on runwhen's pages and in the runwhen reference notes (§3.1, §3.3, §3.6), each
 * worked out by hand from the rules (DESIGN.md §4 is authoritative where the notes hedge):
 * Europe/Berlin 2025 is CET (+01) until 2025-03-30 01:00Z and CEST (+02) until 2025-10-26 01:00Z.
 * The TAI64N column of §3.6 is 2^62 + unix + 37 (checked separately with Python's datetime).
 */
import { describe, expect, it } from "vitest";
import { parseSchedule } from "../../src/schedule/schedule.js";
import { formatTain, tainFromInstant } from "../../src/time/runwhen-label.js";
import type { Instant } from "../../src/time/instant.js";
import { isoOf, utc } from "./utc.js";
import { tz } from "../zones.js";

function next(constraints: string, fromIso: string, zone: string): string {
  return isoOf(parseSchedule(constraints).next(utc(fromIso), tz(zone)));
}

function label(t: Instant): string {
  return formatTain(tainFromInstant(t));
}

describe("reference §3.6 worked examples, TZ=Europe/Berlin", () => {
  const Z = "Europe/Berlin";
  const rows: [row: string, from: string, constraints: string, result: string, tai64n: string][] = [
    // 23:10 CET → the next 00 minute is 00:00 CET.
    ["1", "2025-03-29T22:10:00Z", ",M=00", "2025-03-29T23:00:00Z", "4000000067e87b9500000000"],
    // 01:30 CET on the spring day: 02:00 does not exist, moved forward by the 1 h gap → 03:00 CEST.
    ["2", "2025-03-30T00:30:00Z", ",M=00", "2025-03-30T01:00:00Z", "4000000067e897b500000000"],
    // ⚠ gap: the daily 02:30 is moved forward by the gap → 03:30 CEST.
    ["3", "2025-03-29T11:00:00Z", ",H=2,M=30", "2025-03-30T01:30:00Z", "4000000067e89ebd00000000"],
    // ⚠ overlap: 02:45 CET (second occurrence) with the hour free matches itself, not 02:45 CEST.
    ["4", "2025-10-26T01:45:00Z", ",M/15", "2025-10-26T01:45:00Z", "4000000068fd7d4100000000"],
    // February 2025 has 28 days: d-3 is the 26th; 14:00 CET.
    ["5", "2025-01-31T23:00:00Z", ",d-3,H=14,M/15", "2025-02-26T13:00:00Z", "4000000067bf107500000000"],
    // 2024 is a leap year: d-3 is the 27th.
    ["6", "2024-01-31T23:00:00Z", ",d-3,H=14,M/15", "2024-02-27T13:00:00Z", "4000000065dddcf500000000"],
    // ⚠ Saturday noon → Sunday 03:00 on the spring day exists (CEST), by civil time not +86400 s.
    ["7", "2025-03-29T11:00:00Z", ",w=0,H=3", "2025-03-30T01:00:00Z", "4000000067e897b500000000"],
    // Sunday 00:00 CEST on the fall day → 03:00 CET, after the repeated hour.
    ["8", "2025-10-25T22:00:00Z", ",w=0,H=3", "2025-10-26T02:00:00Z", "4000000068fd80c500000000"],
  ];
  for (const [row, from, constraints, result, tai64n] of rows) {
    it(`row ${row}: ${constraints} from ${from} → ${result}`, () => {
      const got = parseSchedule(constraints).next(utc(from), tz(Z));
      expect(isoOf(got)).toBe(result);
      expect(got.nanos).toBe(0);
      expect(label(got)).toBe(tai64n);
    });
  }

  it("row 4: never the first occurrence 02:45 CEST (00:45Z), which lies before the input", () => {
    const got = parseSchedule(",M/15").next(utc("2025-10-26T01:45:00Z"), tz(Z));
    expect(label(got)).not.toBe("4000000068fd6f3100000000");
  });

  it("row 6 continues 14:15, 14:30, 14:45, then 03-29 14:00 CET", () => {
    const s = parseSchedule(",d-3,H=14,M/15");
    const seen: string[] = [];
    let t = utc("2024-02-27T13:00:00Z");
    for (let i = 0; i < 4; i++) {
      t = s.next({ seconds: t.seconds + 1, nanos: 0 }, tz(Z));
      seen.push(isoOf(t));
    }
    // March 2024 has 31 days (d-3 = 29th), and DST starts only on 03-31: still CET.
    expect(seen).toEqual(["2024-02-27T13:15:00Z", "2024-02-27T13:30:00Z", "2024-02-27T13:45:00Z", "2024-03-29T13:00:00Z"]);
  });
});

describe("reference §3.3 defaults for unconstrained units (UTC)", () => {
  const Z = "UTC";
  it(",H=14 is 14:00:00 daily", () => {
    expect(next(",H=14", "2025-06-10T15:00:00Z", Z)).toBe("2025-06-11T14:00:00Z");
    expect(next(",H=14", "2025-06-10T13:59:59Z", Z)).toBe("2025-06-10T14:00:00Z");
  });
  it(",M/15 is every quarter hour at second 0", () => {
    expect(next(",M/15", "2025-06-10T10:07:30Z", Z)).toBe("2025-06-10T10:15:00Z");
    expect(next(",M/15", "2025-06-10T23:45:01Z", Z)).toBe("2025-06-11T00:00:00Z");
  });
  it(",d=1,M=30 is only 00:30:00 on the 1st (H below d takes its minimum)", () => {
    expect(next(",d=1,M=30", "2025-06-10T00:00:00Z", Z)).toBe("2025-07-01T00:30:00Z");
    expect(next(",d=1,M=30", "2025-07-01T00:30:01Z", Z)).toBe("2025-08-01T00:30:00Z");
  });
  it(",d=1,H/1,M=30 is every hour at :30 on the 1st", () => {
    expect(next(",d=1,H/1,M=30", "2025-07-01T00:31:00Z", Z)).toBe("2025-07-01T01:30:00Z");
    expect(next(",d=1,H/1,M=30", "2025-07-01T23:30:01Z", Z)).toBe("2025-08-01T00:30:00Z");
  });
  it(",w=0,H=3 is Sunday 03:00:00", () => {
    // 2025-06-11 is a Wednesday; the next Sunday is the 15th.
    expect(next(",w=0,H=3", "2025-06-11T12:00:00Z", Z)).toBe("2025-06-15T03:00:00Z");
    expect(next(",w=0,H=3", "2025-06-15T03:00:01Z", Z)).toBe("2025-06-22T03:00:00Z");
  });
  it(",y=2030 is 2030-01-01 00:00:00", () => {
    expect(next(",y=2030", "2025-06-11T12:00:00Z", Z)).toBe("2030-01-01T00:00:00Z");
  });
  it(",m=3 is 1 March 00:00:00 every year", () => {
    expect(next(",m=3", "2025-03-01T00:00:01Z", Z)).toBe("2026-03-01T00:00:00Z");
  });
  it(",H=14,S=30 leaves M at its minimum: 14:00:30", () => {
    expect(next(",H=14,S=30", "2025-06-10T14:00:31Z", Z)).toBe("2025-06-11T14:00:30Z");
  });
  it("the empty constraint set matches every second", () => {
    expect(next("", "2025-06-10T14:00:31Z", Z)).toBe("2025-06-10T14:00:31Z");
  });
  it("the order of constraints does not matter (runwhen looks each unit up)", () => {
    expect(next(",M=30,H=14", "2025-06-10T15:00:00Z", Z)).toBe(next(",H=14,M=30", "2025-06-10T15:00:00Z", Z));
    expect(next(",M=30,H=14", "2025-06-10T15:00:00Z", Z)).toBe("2025-06-11T14:30:00Z");
  });
});

describe("rw-match page: at or after, operators, contextual ends", () => {
  const Z = "UTC";
  it("the result may equal the input (why run scripts add d1S first)", () => {
    expect(next(",M=00", "2025-06-10T14:00:00Z", Z)).toBe("2025-06-10T14:00:00Z");
  });
  it("an input with a fraction starts at the next whole second; result nanos are 0", () => {
    const got = parseSchedule(",M=00").next({ seconds: utc("2025-06-10T14:00:00Z").seconds, nanos: 1 }, tz(Z));
    expect(isoOf(got)).toBe("2025-06-10T15:00:00Z");
    expect(got.nanos).toBe(0);
    const every = parseSchedule("").next({ seconds: utc("2025-06-10T14:00:00Z").seconds, nanos: 999_999_999 }, tz(Z));
    expect(isoOf(every)).toBe("2025-06-10T14:00:01Z");
  });
  it(",S/2 (the run-script example) is every even second", () => {
    expect(next(",S/2", "2025-06-10T14:00:01Z", Z)).toBe("2025-06-10T14:00:02Z");
    expect(next(",S/2", "2025-06-10T14:00:59Z", Z)).toBe("2025-06-10T14:01:00Z");
  });
  it(",H-1 is 23:00 (caldelay: HOUR=-1 ≡ 23)", () => {
    expect(next(",H-1", "2025-06-10T00:00:00Z", Z)).toBe("2025-06-10T23:00:00Z");
  });
  it(",d-1 is the last day of the month, whatever its length", () => {
    expect(next(",d-1", "2024-02-10T00:00:00Z", Z)).toBe("2024-02-29T00:00:00Z");
    expect(next(",d-1", "2025-02-10T00:00:00Z", Z)).toBe("2025-02-28T00:00:00Z");
    expect(next(",d-1", "2025-04-05T00:00:00Z", Z)).toBe("2025-04-30T00:00:00Z");
    expect(next(",d-1", "2025-12-31T00:00:01Z", Z)).toBe("2026-01-31T00:00:00Z");
  });
  it(",d-31 is day 1 of 31-day months only (31+1−31)", () => {
    expect(next(",d-31", "2025-02-01T00:00:01Z", Z)).toBe("2025-03-01T00:00:00Z");
    expect(next(",d-31", "2025-03-01T00:00:01Z", Z)).toBe("2025-05-01T00:00:00Z");
  });
  it(",d=31 only in 31-day months", () => {
    expect(next(",d=31", "2025-04-01T00:00:00Z", Z)).toBe("2025-05-31T00:00:00Z");
  });
  it(",m=2,d=29 waits for a leap year", () => {
    expect(next(",m=2,d=29", "2025-01-01T00:00:00Z", Z)).toBe("2028-02-29T00:00:00Z");
    expect(next(",m=2,d=29", "2096-03-01T00:00:00Z", Z)).toBe("2104-02-29T00:00:00Z"); // 2100 is not a leap year
  });
  it("/n counts 0 as divisible: ,M/15 = 0,15,30,45; ,H/5 = 0,5,10,15,20", () => {
    expect(next(",M/15", "2025-06-10T10:45:01Z", Z)).toBe("2025-06-10T11:00:00Z");
    expect(next(",H/5", "2025-06-10T20:00:01Z", Z)).toBe("2025-06-11T00:00:00Z");
  });
  it(",m/5 is May and October (1-based unit: 0 is not a month)", () => {
    expect(next(",m/5", "2025-01-01T00:00:00Z", Z)).toBe("2025-05-01T00:00:00Z");
    expect(next(",m/5", "2025-05-01T00:00:01Z", Z)).toBe("2025-10-01T00:00:00Z");
    expect(next(",m/5", "2025-10-01T00:00:01Z", Z)).toBe("2026-05-01T00:00:00Z");
  });
  it(",w/3 is Sunday, Wednesday and Saturday (0, 3, 6)", () => {
    // 2025-06-11 Wed, 06-14 Sat, 06-15 Sun, 06-18 Wed.
    expect(next(",w/3", "2025-06-11T00:00:01Z", Z)).toBe("2025-06-14T00:00:00Z");
    expect(next(",w/3", "2025-06-14T00:00:01Z", Z)).toBe("2025-06-15T00:00:00Z");
    expect(next(",w/3", "2025-06-15T00:00:01Z", Z)).toBe("2025-06-18T00:00:00Z");
  });
});

describe("reference §3.1 normalisations: equivalent spellings give the same instants", () => {
  const from = "2025-06-11T10:20:30Z"; // a Wednesday
  const pairs: [string, string, string][] = [
    [",M/60", ",M=0", "2025-06-11T11:00:00Z"],
    [",M/0", ",M=0", "2025-06-11T11:00:00Z"],
    [",M-0", ",M=0", "2025-06-11T11:00:00Z"],
    [",S/99", ",S=0", "2025-06-11T10:21:00Z"],
    [",H-24", ",H=0", "2025-06-12T00:00:00Z"],
    [",H/24", ",H=0", "2025-06-12T00:00:00Z"],
    [",w/7", ",w=0", "2025-06-15T00:00:00Z"],
    [",w-7", ",w=0", "2025-06-15T00:00:00Z"],
    [",w-0", ",w=0", "2025-06-15T00:00:00Z"],
    [",m-12", ",m=1", "2026-01-01T00:00:00Z"],
    [",M-60", ",M=0", "2025-06-11T11:00:00Z"],
  ];
  for (const [a, b, expected] of pairs) {
    it(`${a} ≡ ${b}`, () => {
      expect(next(a, from, "UTC")).toBe(expected);
      expect(next(b, from, "UTC")).toBe(expected);
    });
  }
});
