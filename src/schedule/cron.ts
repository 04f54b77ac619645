import { expandCronAlias } from "./cron-aliases.js";
import { CRON_FIELDS, parseCronField, type FieldText, type FieldValues } from "./cron-field.js";
import { ScheduleError } from "./errors.js";
import { allowOnly, type MatchModel } from "./model.js";
import type { RelativeDays } from "./relative-days.js";
import { checkScheduleLength } from "./schedule-limits.js";

/**
 * Cron expressions — 5 fields, 6 with seconds first, or an `@` alias — compiled to the same
 * model as runwhen constraints, so one matcher serves both. docs/scheduling.md states the
 * language; the decisions made here:
 * - Day rule exactly as Vixie cron (entry.c sets DOM_STAR/DOW_STAR when a day field's FIRST
 *   CHARACTER is `*`; cron.c then ANDs the day fields if either flag is set, else ORs them):
 *   `*`, `*\/2`, `*,5` leave a day field unrestricted; `1-31`, `0-6`, `L`, `5L` restrict it.
 *   `?` counts as `*` (Quartz's "no value"), so `0 0 ? * 1#2` is the second Monday only.
 * - The relative day forms (`L`, `L-n`, `nW`, `LW`, `nL`, `n#k`) are ordinary day-of-month or
 *   day-of-week items and obey the same rule: `0 0 L * 5` is the last day OR any Friday.
 */
export function cronToModel(text: string): MatchModel {
  checkScheduleLength(text);
  const at = text.search(/\S/);
  if (text[at] === "@")
    return fieldsToModel(
      text,
      splitFields(expandCronAlias(text, at)).map((f) => ({ text: f.text, at })),
    );
  const fields = splitFields(text);
  if (fields.length !== 5 && fields.length !== 6) {
    const culprit = fields[6] ?? fields[fields.length - 1];
    throw new ScheduleError(
      `malformed schedule at position ${(culprit?.at ?? 0) + 1}: expected runwhen constraints starting with "," ` +
        `or a cron expression of 5 or 6 fields, got ${fields.length} field(s): ${text}`,
    );
  }
  return fieldsToModel(text, fields);
}

function splitFields(text: string): FieldText[] {
  return [...text.matchAll(/\S+/g)].map((m): FieldText => ({ text: m[0], at: m.index }));
}

function fieldsToModel(text: string, fields: readonly FieldText[]): MatchModel {
  const six = fields.length === 6 ? fields : [{ text: "0", at: -1 }, ...fields];
  const [sec, min, hour, dom, month, dow] = six.map((f, i) => parseCronField(text, f, CRON_FIELDS[i]!)) as [
    FieldValues,
    FieldValues,
    FieldValues,
    FieldValues,
    FieldValues,
    FieldValues,
  ];
  const unrestricted = (f: FieldText) => f.text[0] === "*" || f.text[0] === "?";
  const sunday = (v: number) => v % 7; // 7 is Sunday, as 0
  const relativeDays: RelativeDays = {
    nearestWeekday: allowOnly(32, dom.nearestWeekday),
    lastWeekday: dom.lastWeekday,
    lastOfWeekday: allowOnly(7, dow.lastOfWeekday.map(sunday)),
    nthOfWeekday: allowOnly(
      35,
      dow.nthOfWeekday.map(({ weekday, k }) => (k - 1) * 7 + sunday(weekday)),
    ),
  };
  return {
    year: { kind: "any" },
    months: month.values,
    daysOfMonth: dom.values,
    daysFromEnd: allowOnly(32, dom.fromEnd),
    weekdays: allowOnly(
      7,
      dow.values.flatMap((ok, v) => (ok ? [sunday(v)] : [])),
    ),
    relativeDays,
    dayRule: unrestricted(six[3]!) || unrestricted(six[5]!) ? "and" : "or",
    hours: hour.values,
    minutes: min.values,
    seconds: sec.values,
  };
}
