/**
 * crontab(5) (Vixie cron, cronie): "If both fields are restricted (i.e., don't start with *),
 * the command will be run when either field matches the current time." Restricted is decided by
 * the FIRST CHARACTER of the field, not by what it allows: `*\/2`, `*\/1` and `*,5` start with `*`
 * and leave the day rule at AND; `1-31` and `0-6` do not, and turn it into OR.
 * Calendar facts used below (June–July 2025): June 1 is a Sunday; the Mondays are June 2, 9, 16,
 * 23, 30 and July 7, 14, 21, 28.
 */
import { describe, expect, it } from "vitest";
import { upcoming } from "./upcoming.js";

const FROM = "2025-06-01T00:00:00Z";

describe("a day field starting with * is unrestricted (issue: `0 12 */2 * MON` gave Jun 1, 2, 3, 5…)", () => {
  it("0 12 */2 * MON is the odd-numbered days that are Mondays", () => {
    expect(upcoming("0 12 */2 * MON", FROM, "UTC", 4)).toEqual([
      "2025-06-09T12:00:00Z",
      "2025-06-23T12:00:00Z",
      "2025-07-07T12:00:00Z",
      "2025-07-21T12:00:00Z",
    ]);
  });
  it("*/1 and *,5 in day-of-month start with *: Mondays only", () => {
    const mondays = ["2025-06-02T00:00:00Z", "2025-06-09T00:00:00Z", "2025-06-16T00:00:00Z"];
    expect(upcoming("0 0 */1 * 1", FROM, "UTC", 3)).toEqual(mondays);
    expect(upcoming("0 0 *,5 * 1", FROM, "UTC", 3)).toEqual(mondays);
  });
  it("*/2 in day-of-week starts with *: the 5th only when it is a Sunday, Tuesday, Thursday or Saturday", () => {
    // 5 June 2025 is a Thursday (weekday 4, allowed by */2 = 0,2,4,6); 5 July a Saturday (6);
    // 5 August a Tuesday (2); 5 September a Friday (5, not allowed).
    expect(upcoming("0 0 5 * */2", FROM, "UTC", 4)).toEqual([
      "2025-06-05T00:00:00Z",
      "2025-07-05T00:00:00Z",
      "2025-08-05T00:00:00Z",
      "2025-10-05T00:00:00Z", // 5 October: a Sunday
    ]);
  });
  it("? is read as *", () => {
    expect(upcoming("0 0 ? * MON", FROM, "UTC", 2)).toEqual(["2025-06-02T00:00:00Z", "2025-06-09T00:00:00Z"]);
  });
});

describe("a day field not starting with * is restricted, whatever it allows", () => {
  it("1-31 with MON: every day (either field matches)", () => {
    expect(upcoming("0 0 1-31 * MON", FROM, "UTC", 3)).toEqual(["2025-06-01T00:00:00Z", "2025-06-02T00:00:00Z", "2025-06-03T00:00:00Z"]);
  });
  it("the 15th with 0-6: every day", () => {
    expect(upcoming("0 0 15 * 0-6", FROM, "UTC", 2)).toEqual(["2025-06-01T00:00:00Z", "2025-06-02T00:00:00Z"]);
  });
  it("the 13th or a Friday", () => {
    // Fridays in June 2025: 6, 13, 20, 27; the 13th is one of them.
    expect(upcoming("0 12 13 * FRI", FROM, "UTC", 4)).toEqual([
      "2025-06-06T12:00:00Z",
      "2025-06-13T12:00:00Z",
      "2025-06-20T12:00:00Z",
      "2025-06-27T12:00:00Z",
    ]);
  });
});
