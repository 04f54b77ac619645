import { CronExpressionParser } from "cron-parser";
import { ScheduleError } from "./errors.js";
import { allowOnly, type MatchModel } from "./model.js";

/**
 * Cron expressions (5 fields, or 6 with seconds first), parsed by cron-parser — a well-kept
 * library that exposes the parsed fields — and compiled to the same model as runwhen
 * constraints, so one matcher serves both. Day rule as in Vixie cron: when both day-of-month
 * and day-of-week are restricted (neither is `*`), a day matching either runs.
 * Not supported (rejected with a message): `#` (n-th weekday) and `L` in day-of-week.
 */
const FIELD_NAMES = ["second", "minute", "hour", "day-of-month", "month", "day-of-week"];

export function cronToModel(text: string): MatchModel {
  const fields = splitFields(text);
  if (!text.trim().startsWith("@") && fields.length !== 5 && fields.length !== 6) {
    const extra = fields[6] ?? fields[fields.length - 1];
    throw new ScheduleError(
      `malformed schedule at position ${(extra?.at ?? 0) + 1}: expected runwhen constraints starting with "," ` +
        `or a cron expression of 5 or 6 fields, got ${fields.length} field(s): ${text}`,
    );
  }
  const named = fields.length === 5 ? [{ text: "0", at: -1 }, ...fields] : fields;
  for (const [i, f] of named.entries()) {
    if (f.text.includes("#") || (i === 5 && /L/i.test(f.text))) {
      throw new ScheduleError(`unsupported cron syntax at position ${f.at + 1} (${FIELD_NAMES[i]} "${f.text}"): ${text}`);
    }
  }
  let parsed;
  try {
    parsed = CronExpressionParser.parse(text.trim()).fields;
  } catch (err) {
    throw new ScheduleError(describeFailure(text, named, err));
  }
  const dom: readonly (number | string)[] = parsed.dayOfMonth.values;
  const dow = numbersOf(parsed.dayOfWeek.values).map((d) => (d === 7 ? 0 : d));
  const lastDay = dom.includes("L");
  const domRestricted = !parsed.dayOfMonth.isWildcard;
  const dowRestricted = !parsed.dayOfWeek.isWildcard;
  return {
    year: { kind: "any" },
    months: allowOnly(13, parsed.month.values),
    daysOfMonth: allowOnly(32, numbersOf(dom)),
    daysFromEnd: allowOnly(32, lastDay ? [0] : []),
    weekdays: allowOnly(7, dow),
    dayRule: domRestricted && dowRestricted ? "or" : "and",
    hours: allowOnly(24, parsed.hour.values),
    minutes: allowOnly(60, parsed.minute.values),
    seconds: fields.length === 5 ? allowOnly(60, [0]) : allowOnly(60, parsed.second.values),
  } satisfies MatchModel as MatchModel;
}

interface Field {
  readonly text: string;
  /** 0-based character offset in the schedule string */
  readonly at: number;
}

function splitFields(text: string): Field[] {
  return [...text.matchAll(/\S+/g)].map((m) => ({ text: m[0], at: m.index }));
}

/** Name the first field whose replacement by `*` makes the expression parse. */
function describeFailure(text: string, named: readonly Field[], err: unknown): string {
  const reason = err instanceof Error ? err.message : String(err);
  const real = named.filter((f) => f.at >= 0);
  for (const [i, f] of real.entries()) {
    const trial = real.map((g, j) => (j === i ? "*" : g.text)).join(" ");
    try {
      CronExpressionParser.parse(trial);
    } catch {
      continue;
    }
    const name = FIELD_NAMES[named.indexOf(f)];
    return `bad cron expression at position ${f.at + 1} (${name} "${f.text}"): ${reason}: ${text}`;
  }
  return `bad cron expression: ${reason}: ${text}`;
}

function numbersOf(values: readonly (number | string)[]): number[] {
  return values.filter((v): v is number => typeof v === "number");
}
