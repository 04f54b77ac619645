// The one shape of a bad-setting message: SOURCE: why: "value".
import { describe, expect, it } from "vitest";
import { badValue } from "../../src/options/bad-value.js";

describe("badValue", () => {
  it("source, reason, the value quoted (a number as written)", () => {
    expect(badValue("CHIME_SPLAY (environment)", "not a duration", "-3")).toBe('CHIME_SPLAY (environment): not a duration: "-3"');
    expect(badValue("config file f line 2 (jobs[0].name)", "must be a string", 7)).toBe(
      "config file f line 2 (jobs[0].name): must be a string: 7",
    );
    expect(badValue("--user", "no such user")).toBe("--user: no such user");
  });

  it("a reason that already ends with the value shows it once", () => {
    expect(badValue("--when", "value out of range for unit: ,M=61", ",M=61")).toBe('--when: value out of range for unit: ",M=61"');
  });
});
