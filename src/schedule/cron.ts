import { CronExpressionParser } from "cron-parser";
import { ScheduleError } from "./errors.js";
import { allowOnly, type MatchModel } from "./model.js";

/**
 * Cron expressions (5 fields, or 6 with seconds first, or a macro such as @hourly), read by
 * cron-parser — a well-kept library that exposes the parsed fields — and compiled to the same
 * model as runwhen constraints, so one matcher serves both.
 * - Day rule as in Vixie cron: when both day-of-month and day-of-week are restricted (neither is
 *   `*`), a day matching either runs.
 * - Each list item is read on its own and the values united, because cron-parser rejects lists
 *   whose items overlap (`0,7` in day-of-week, `*\/15,30`), which Vixie cron and croner accept.
 * - Not supported (rejected with a message): `#` (n-th weekday) and `L` in day-of-week.
 */
const FIELDS = [
  { name: "second", key: "second" },
  { name: "minute", key: "minute" },
  { name: "hour", key: "hour" },
  { name: "day-of-month", key: "dayOfMonth" },
  { name: "month", key: "month" },
  { name: "day-of-week", key: "dayOfWeek" },
] as const;

interface Field {
  readonly text: string;
  /** 0-based character offset in the schedule string */
  readonly at: number;
}

export function cronToModel(text: string): MatchModel {
  const trimmed = text.trim();
  if (trimmed.startsWith("@")) return macroToModel(text, trimmed);
  const fields = [...text.matchAll(/\S+/g)].map((m): Field => ({ text: m[0], at: m.index }));
  if (fields.length !== 5 && fields.length !== 6) {
    const culprit = fields[6] ?? fields[fields.length - 1];
    throw new ScheduleError(
      `malformed schedule at position ${(culprit?.at ?? 0) + 1}: expected runwhen constraints starting with "," ` +
        `or a cron expression of 5 or 6 fields, got ${fields.length} field(s): ${text}`,
    );
  }
  const six = fields.length === 6 ? fields : [{ text: "0", at: -1 }, ...fields];
  const values = six.map((f, i) => fieldValues(text, f, i));
  const dom = values[3]!;
  const wildcard = (f: Field) => f.text === "*" || f.text === "?";
  return buildModel(values, !wildcard(six[3]!) && !wildcard(six[5]!), dom.includes("L"));
}

/** The values one field allows: each list item parsed alone, then united. */
function fieldValues(text: string, field: Field, index: number): (number | string)[] {
  const { name, key } = FIELDS[index]!;
  const bad = (reason: string) =>
    new ScheduleError(`bad cron expression at position ${field.at + 1} (${name} "${field.text}"): ${reason}: ${text}`);
  if (field.text.includes("#") || (index === 5 && /L/i.test(field.text))) throw bad("not supported");
  const out = new Set<number | string>();
  for (const item of field.text.split(",")) {
    const probe = FIELDS.map((_, i) => (i === index ? item : "*")).join(" ");
    try {
      for (const v of CronExpressionParser.parse(probe).fields[key].values) out.add(v === 7 && index === 5 ? 0 : v);
    } catch (err) {
      throw bad(err instanceof Error ? err.message : String(err));
    }
  }
  return [...out];
}

function macroToModel(text: string, macro: string): MatchModel {
  let f;
  try {
    f = CronExpressionParser.parse(macro).fields;
  } catch (err) {
    throw new ScheduleError(`bad cron expression at position ${text.indexOf("@") + 1}: ${err instanceof Error ? err.message : String(err)}: ${text}`);
  }
  const values = [f.second.values, f.minute.values, f.hour.values, f.dayOfMonth.values, f.month.values, f.dayOfWeek.values.map((d) => (d === 7 ? 0 : d))];
  return buildModel(values, !f.dayOfMonth.isWildcard && !f.dayOfWeek.isWildcard, false);
}

function buildModel(values: readonly (readonly (number | string)[])[], bothDaysRestricted: boolean, lastDay: boolean): MatchModel {
  const nums = (i: number) => values[i]!.filter((v): v is number => typeof v === "number");
  return {
    year: { kind: "any" },
    months: allowOnly(13, nums(4)),
    daysOfMonth: allowOnly(32, nums(3)),
    daysFromEnd: allowOnly(32, lastDay ? [0] : []),
    weekdays: allowOnly(7, nums(5)),
    dayRule: bothDaysRestricted ? "or" : "and",
    hours: allowOnly(24, nums(2)),
    minutes: allowOnly(60, nums(1)),
    seconds: allowOnly(60, nums(0)),
  };
}
