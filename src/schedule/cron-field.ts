import { ScheduleError } from "./errors.js";
import { MAX_LIST_ITEMS } from "./schedule-limits.js";

/**
 * One cron field read into the values it allows — a list of items, each `*` (or `?`), a value,
 * a range `a-b`, any of those with a step `/n`, or one of the day forms (`L`, `L-n`, `nW`, `LW`
 * in day-of-month; `nL`, `n#k` in day-of-week). Values may be numbers or, for month and
 * day-of-week, three-letter English names in any case. One pass over the items: the work is
 * bounded by items × field width.
 */
export interface FieldSpec {
  readonly name: "second" | "minute" | "hour" | "day-of-month" | "month" | "day-of-week";
  readonly min: number;
  readonly max: number;
  /** names[i] stands for min + i */
  readonly names?: readonly string[];
}

export interface FieldText {
  readonly text: string;
  /** 0-based offset of the field in the schedule string */
  readonly at: number;
}

export interface FieldValues {
  /** index = value, min … max (day-of-week: 0 … 7, 7 folded into 0 by the caller) */
  readonly values: boolean[];
  /** day-of-month `L` (0) and `L-n` (n) */
  readonly fromEnd: number[];
  /** day-of-month `nW` */
  readonly nearestWeekday: number[];
  /** day-of-month `LW` */
  lastWeekday: boolean;
  /** day-of-week `nL` (weekday 0…7) */
  readonly lastOfWeekday: number[];
  /** day-of-week `n#k` */
  readonly nthOfWeekday: { weekday: number; k: number }[];
}

const MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/** Seconds first: the order of the 6-field form. Day-of-week allows 7 for Sunday, as Vixie. */
export const CRON_FIELDS: readonly FieldSpec[] = [
  { name: "second", min: 0, max: 59 },
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTH_NAMES },
  { name: "day-of-week", min: 0, max: 7, names: DAY_NAMES },
];

/** The largest `k` in `n#k`: no month has a sixth Monday. */
const MAX_NTH = 5;

export function parseCronField(schedule: string, field: FieldText, spec: FieldSpec): FieldValues {
  const out: FieldValues = {
    values: new Array<boolean>(spec.max + 1).fill(false),
    fromEnd: [],
    nearestWeekday: [],
    lastWeekday: false,
    lastOfWeekday: [],
    nthOfWeekday: [],
  };
  const items = field.text.split(",");
  if (items.length > MAX_LIST_ITEMS) {
    throw fieldError(schedule, field, spec, `a list of ${items.length} items, at most ${MAX_LIST_ITEMS} allowed`);
  }
  let at = field.at;
  for (const item of items) {
    const bad = (reason: string) => fieldError(schedule, { text: item, at }, spec, reason, field.text);
    if (item === "") throw bad("empty list item");
    readItem(item.toUpperCase(), spec, out, bad);
    at += item.length + 1;
  }
  return out;
}

function readItem(item: string, spec: FieldSpec, out: FieldValues, bad: (reason: string) => ScheduleError): void {
  if (spec.name === "day-of-month" && readMonthDayForm(item, out, bad)) return;
  if (spec.name === "day-of-week" && readWeekdayForm(item, spec, out, bad)) return;
  const slash = item.indexOf("/");
  const base = slash < 0 ? item : item.slice(0, slash);
  const step = slash < 0 ? 1 : number(item.slice(slash + 1), 1, spec.max - spec.min + 1, "step", bad);
  let lo: number;
  let hi: number;
  if (base === "*" || base === "?") {
    [lo, hi] = [spec.min, spec.max];
  } else if (base.includes("-")) {
    const dash = base.indexOf("-");
    lo = value(base.slice(0, dash), spec, bad);
    hi = value(base.slice(dash + 1), spec, bad);
    if (lo > hi) throw bad(`range ${lo}-${hi} goes backwards`);
  } else {
    lo = value(base, spec, bad);
    // `a/n` means a, a+n, … up to the field's end, as chime read it through cron-parser before
    // (and croner with sloppyRanges); Vixie cron rejects the form.
    hi = slash < 0 ? lo : spec.max;
  }
  for (let v = lo; v <= hi; v += step) out.values[v] = true;
}

/** `L`, `L-n`, `nW`, `LW`; false if the item is none of them. */
function readMonthDayForm(item: string, out: FieldValues, bad: (reason: string) => ScheduleError): boolean {
  if (item === "L") out.fromEnd.push(0);
  else if (item === "LW") out.lastWeekday = true;
  else if (item.startsWith("L-")) out.fromEnd.push(number(item.slice(2), 0, 30, "days before the last", bad));
  else if (item.endsWith("W")) out.nearestWeekday.push(number(item.slice(0, -1), 1, 31, "day of nW", bad));
  else return false;
  return true;
}

/** `nL`, `n#k`; false if the item is neither. */
function readWeekdayForm(item: string, spec: FieldSpec, out: FieldValues, bad: (reason: string) => ScheduleError): boolean {
  const hash = item.indexOf("#");
  if (hash >= 0) {
    out.nthOfWeekday.push({ weekday: value(item.slice(0, hash), spec, bad), k: number(item.slice(hash + 1), 1, MAX_NTH, "k of n#k", bad) });
    return true;
  }
  if (item.length > 1 && item.endsWith("L")) {
    out.lastOfWeekday.push(value(item.slice(0, -1), spec, bad));
    return true;
  }
  if (item === "L") throw bad("L alone is not a weekday here; write nL for the last weekday n of the month (5L: last Friday)");
  return false;
}

/** A number or a name of the field, in range. */
function value(text: string, spec: FieldSpec, bad: (reason: string) => ScheduleError): number {
  const i = spec.names?.indexOf(text) ?? -1;
  if (i >= 0) return spec.min + i;
  return number(text, spec.min, spec.max, "value", bad);
}

function number(text: string, min: number, max: number, what: string, bad: (reason: string) => ScheduleError): number {
  if (!/^\d+$/.test(text)) throw bad(`${what} ${JSON.stringify(text)} is not a number${what === "value" ? " or a name" : ""}`);
  const n = Number(text);
  if (n < min || n > max) throw bad(`${what} ${text} out of range ${min}-${max}`);
  return n;
}

function fieldError(schedule: string, where: FieldText, spec: FieldSpec, reason: string, fieldText = where.text): ScheduleError {
  const shown = fieldText === where.text ? `"${fieldText}"` : `"${fieldText}", item "${where.text}"`;
  return new ScheduleError(`bad cron expression at position ${where.at + 1} (${spec.name} ${shown}): ${reason}: ${schedule}`);
}
