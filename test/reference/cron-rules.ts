/**
 * Cron expressions read as membership tests, for the brute-force reference — written from the
 * wording of crontab(5) and the extension definitions in docs/scheduling.md, sharing no code
 * with src/schedule. 5 fields (minute hour day-of-month month day-of-week, second 0) or 6
 * (second first), or an @ alias. Every item of a field is a predicate; a field matches when
 * any of its items does.
 *
 * crontab(5): "The day of a command's execution can be specified by two fields — day of month,
 * and day of week. If both fields are restricted (i.e., don't start with *), the command will be
 * run when either field matches the current time." `?` is read as `*`.
 *
 * Extensions, each defined by searching the month rather than by formula:
 * - `L`: the month's last day; `L-n`: n days before it.
 * - `nW`: among the month's Monday–Friday days, the one closest to day n (none if the month has
 *   no day n); `LW`: the month's last Monday–Friday.
 * - `dL`: weekday d, and no later day of the month is weekday d.
 * - `d#k`: weekday d, and exactly k−1 earlier days of the month are weekday d.
 */
import { daysInMonth, weekdayOf, type WallRules } from "./wall-time-rules.js";

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const ALIASES: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

interface Date3 {
  year: number;
  month: number;
  day: number;
}

function value(text: string, names: readonly string[] | null, nameBase: number): number {
  if (/^\d+$/.test(text)) return Number(text);
  const i = names?.indexOf(text.toUpperCase()) ?? -1;
  if (i < 0) throw new Error(`reference: bad cron value ${text}`);
  return i + nameBase;
}

/** Does the plain item (`*`, `n`, `a-b`, with an optional `/step`) allow v? */
function plainItemAllows(item: string, v: number, min: number, max: number, names: readonly string[] | null, nameBase: number): boolean {
  const [range = "", stepText] = item.split("/");
  const step = stepText === undefined ? 1 : Number(stepText);
  let lo: number;
  let hi: number;
  if (range === "*" || range === "?") [lo, hi] = [min, max];
  else if (range.includes("-")) {
    const [a = "", b = ""] = range.split("-");
    [lo, hi] = [value(a, names, nameBase), value(b, names, nameBase)];
  } else {
    lo = value(range, names, nameBase);
    hi = stepText === undefined ? lo : max;
  }
  return v >= lo && v <= hi && (v - lo) % step === 0;
}

/** The allowed values of a plain field, as a boolean table indexed by value (min…max). */
export function cronFieldTable(text: string, min: number, max: number, names: readonly string[] | null = null, nameBase = 0): boolean[] {
  return Array.from(
    { length: max + 1 },
    (_, v) => v >= min && text.split(",").some((item) => plainItemAllows(item, v, min, max, names, nameBase)),
  );
}

function isMonToFri(d: Date3): boolean {
  const w = weekdayOf(d.year, d.month, d.day);
  return w >= 1 && w <= 5;
}

function dayOfMonthItem(item: string, d: Date3): boolean {
  const up = item.toUpperCase();
  const last = daysInMonth(d.year, d.month);
  if (up === "L") return d.day === last;
  if (up.startsWith("L-")) return d.day === last - Number(up.slice(2));
  if (up === "LW") {
    let x = last;
    while (!isMonToFri({ ...d, day: x })) x--;
    return d.day === x;
  }
  if (up.endsWith("W")) {
    const n = Number(up.slice(0, -1));
    if (n > last) return false;
    let best = -1;
    for (let x = 1; x <= last; x++) {
      if (isMonToFri({ ...d, day: x }) && (best < 0 || Math.abs(x - n) < Math.abs(best - n))) best = x;
    }
    return d.day === best;
  }
  return plainItemAllows(up, d.day, 1, 31, null, 0);
}

function dayOfWeekItem(item: string, d: Date3): boolean {
  const up = item.toUpperCase();
  const w = weekdayOf(d.year, d.month, d.day);
  const sameWeekday = (text: string) => value(text, DAYS, 0) % 7 === w;
  if (up.includes("#")) {
    const [dayText = "", kText = ""] = up.split("#");
    if (!sameWeekday(dayText)) return false;
    let earlier = 0;
    for (let x = 1; x < d.day; x++) if (weekdayOf(d.year, d.month, x) === w) earlier++;
    return earlier === Number(kText) - 1;
  }
  if (up.length > 1 && up.endsWith("L")) {
    if (!sameWeekday(up.slice(0, -1))) return false;
    for (let x = d.day + 1; x <= daysInMonth(d.year, d.month); x++) if (weekdayOf(d.year, d.month, x) === w) return false;
    return true;
  }
  // 7 is Sunday too: test both spellings of the weekday.
  return plainItemAllows(up, w, 0, 7, DAYS, 0) || (w === 0 && plainItemAllows(up, 7, 0, 7, DAYS, 0));
}

export function cronRules(text: string): WallRules {
  const trimmed = text.trim();
  const parts = (ALIASES[trimmed] ?? trimmed).split(/\s+/);
  if (parts.length === 5) parts.unshift("0");
  if (parts.length !== 6) throw new Error(`reference: not a cron expression: ${text}`);
  const [sec = "", min = "", hour = "", dom = "", mon = "", dow = ""] = parts;
  const seconds = cronFieldTable(sec, 0, 59);
  const minutes = cronFieldTable(min, 0, 59);
  const hours = cronFieldTable(hour, 0, 23);
  const months = cronFieldTable(mon, 1, 12, MONTHS, 1);
  const restricted = (field: string) => !field.startsWith("*") && !field.startsWith("?");
  const eitherDay = restricted(dom) && restricted(dow);
  const dayMatches = (d: Date3) => {
    const domOk = dom.split(",").some((item) => dayOfMonthItem(item, d));
    const dowOk = dow.split(",").some((item) => dayOfWeekItem(item, d));
    return eitherDay ? domOk || dowOk : domOk && dowOk;
  };
  // The predicates search the month for every day they test; remember each month's answers
  // (a cache only: the answer for a day is still the predicate's).
  const monthCache = new Map<number, boolean[]>();
  return {
    dateMatches(year, month, day) {
      if (!months[month]) return false;
      let days = monthCache.get(year * 13 + month);
      if (days === undefined) {
        days = Array.from({ length: daysInMonth(year, month) + 1 }, (_, x) => x >= 1 && dayMatches({ year, month, day: x }));
        if (monthCache.size > 10_000) monthCache.clear();
        monthCache.set(year * 13 + month, days);
      }
      return days[day] === true;
    },
    yearMayMatch: () => true,
    hours,
    minutes,
    seconds,
  };
}
