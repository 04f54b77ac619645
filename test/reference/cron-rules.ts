/**
 * Cron expressions read as membership tests, for the brute-force reference: 5 fields
 * (minute hour day-of-month month day-of-week, second 0) or 6 (second first). Lists, ranges,
 * steps, month/day names, `L` (last day of month), 7 = Sunday. When both day fields are
 * restricted (neither is `*`), a day matches if EITHER matches (the classic cron rule).
 */
import { daysInMonth, type WallRules } from "./wall-time-rules.js";

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

function value(text: string, names: readonly string[] | null, nameBase: number): number {
  if (/^\d+$/.test(text)) return Number(text);
  const i = names?.indexOf(text.toUpperCase()) ?? -1;
  if (i < 0) throw new Error(`reference: bad cron value ${text}`);
  return i + nameBase;
}

/** The allowed values of one field, as a boolean table indexed by value (min…max). */
export function cronFieldTable(text: string, min: number, max: number, names: readonly string[] | null = null, nameBase = 0): boolean[] {
  const allowed: boolean[] = Array.from({ length: max + 1 }, () => false);
  for (const item of text.split(",")) {
    const [range = "", stepText] = item.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    let lo: number;
    let hi: number;
    if (range === "*") [lo, hi] = [min, max];
    else if (range.includes("-")) {
      const [a = "", b = ""] = range.split("-");
      [lo, hi] = [value(a, names, nameBase), value(b, names, nameBase)];
    } else {
      lo = value(range, names, nameBase);
      hi = stepText === undefined ? lo : max;
    }
    for (let v = lo; v <= hi; v += step) allowed[v] = true;
  }
  return allowed;
}

export function cronRules(text: string): WallRules {
  const parts = text.trim().split(/\s+/);
  if (parts.length === 5) parts.unshift("0");
  if (parts.length !== 6) throw new Error(`reference: not a cron expression: ${text}`);
  const [sec = "", min = "", hour = "", dom = "", mon = "", dow = ""] = parts;
  const seconds = cronFieldTable(sec, 0, 59);
  const minutes = cronFieldTable(min, 0, 59);
  const hours = cronFieldTable(hour, 0, 23);
  const lastDay = dom.split(",").includes("L");
  const domRest = dom.split(",").filter((x) => x !== "L").join(",");
  const days = domRest === "" ? Array.from({ length: 32 }, () => false) : cronFieldTable(domRest, 1, 31);
  const months = cronFieldTable(mon, 1, 12, MONTHS, 1);
  const weekdays = cronFieldTable(dow, 0, 7, DAYS, 0);
  if (weekdays[7]) weekdays[0] = true;
  const orRule = dom !== "*" && dow !== "*";
  return {
    dateMatches(year, month, day, weekday) {
      if (!months[month]) return false;
      const domOk = days[day] === true || (lastDay && day === daysInMonth(year, month));
      const dowOk = weekdays[weekday] === true;
      return orRule ? domOk || dowOk : domOk && dowOk;
    },
    yearMayMatch: () => true,
    hours,
    minutes,
    seconds,
  };
}
