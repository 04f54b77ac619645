// What a user sees for a schedule that is neither runwhen constraints nor a valid cron
// expression: the message names the offending character position (1-based) and field.
// Positions below are counted by hand from the strings.
import { describe, expect, it } from "vitest";
import { parseSchedule } from "../../src/schedule/schedule.js";
import { rejectionOf } from "./schedule-rejection.js";

describe("cron expressions that do not parse", () => {
  it("names the field and position of a value out of range", () => {
    const msg = rejectionOf("0 25 * * *");
    expect(msg).toContain("position 3");
    expect(msg).toContain('hour "25"');
  });

  it("names the field of a bad token in a 6-field expression", () => {
    const msg = rejectionOf("*/5 0 0 * xyz *");
    expect(msg).toContain("position 11");
    expect(msg).toContain('month "xyz"');
  });

  it("counts fields and hints at the runwhen comma for a missing one", () => {
    const msg = rejectionOf("M=0");
    expect(msg).toContain("position 1");
    expect(msg).toContain('starting with ","');
    expect(msg).toContain("got 1 field(s)");
  });

  it("points at the first surplus field of a 7-field expression", () => {
    expect(rejectionOf("0 0 0 1 1 * 2030")).toContain("position 13");
  });

  it("rejects a sixth Friday, naming the field and the range of k", () => {
    const msg = rejectionOf("0 0 * * 5#6");
    expect(msg).toContain("position 9");
    expect(msg).toContain('day-of-week "5#6"');
    expect(msg).toContain("out of range 1-5");
  });

  it("points at the bad item inside a list", () => {
    // "0 0 1,2,x * *": the x is the 9th character
    const msg = rejectionOf("0 0 1,2,x * *");
    expect(msg).toContain("position 9");
    expect(msg).toContain('day-of-month "1,2,x", item "x"');
  });
});

describe("runwhen constraints that do not parse", () => {
  it("names the position of a bad unit letter", () => {
    const msg = rejectionOf(",M=0,x=1");
    expect(msg).toContain("position 6");
    expect(msg).toContain(",M=0,x=1");
  });

  it("names the constraint for a value out of range", () => {
    expect(rejectionOf(",H=24")).toBe("value out of range for unit: ,H=24");
  });

  it("names the duplicate constraint", () => {
    expect(rejectionOf(",M=1,H=2,M=3")).toBe("duplicate constraint for unit: ,M=3");
  });
});

describe("which language a string is", () => {
  it("reads a leading comma (or nothing) as runwhen, anything else as cron", () => {
    expect(parseSchedule(",M=0").language).toBe("runwhen");
    expect(parseSchedule("").language).toBe("runwhen");
    expect(parseSchedule("0 * * * *").language).toBe("cron");
  });
});
