import { daysFromCivil, daysInMonth, weekdayOfDays } from "../time/civil.js";
import { hasRelativeMonthDays, hasRelativeWeekdays, isRelativeMonthDay, isRelativeWeekday, type RelativeDays } from "./relative-days.js";

/**
 * The one internal model both languages compile to: the allowed values of each local-time
 * unit, plus how day-of-month and day-of-week combine. One matcher (local-match.ts) serves
 * runwhen constraints and cron expressions alike.
 */
export type YearRule =
  | { readonly kind: "any" }
  | { readonly kind: "equals"; readonly value: number }
  | { readonly kind: "divisible"; readonly by: number }
  | { readonly kind: "never" };

export interface MatchModel {
  readonly year: YearRule;
  /** index 1 … 12 */
  readonly months: readonly boolean[];
  /** index 1 … 31 */
  readonly daysOfMonth: readonly boolean[];
  /** index 0 = last day of the month, 1 = the day before, … */
  readonly daysFromEnd: readonly boolean[];
  /** index 0 = Sunday … 6 = Saturday */
  readonly weekdays: readonly boolean[];
  /** cron only: `nW`, `LW` (day-of-month) and `nL`, `n#k` (day-of-week); absent in runwhen */
  readonly relativeDays?: RelativeDays;
  /** cron: both day fields restricted → either may match ("or"); otherwise both must ("and") */
  readonly dayRule: "and" | "or";
  readonly hours: readonly boolean[];
  readonly minutes: readonly boolean[];
  readonly seconds: readonly boolean[];
}

export function allowAll(size: number, from = 0): boolean[] {
  return Array.from({ length: size }, (_, i) => i >= from);
}

export function allowOnly(size: number, values: Iterable<number>): boolean[] {
  const out = new Array<boolean>(size).fill(false);
  for (const v of values) if (v >= 0 && v < size) out[v] = true;
  return out;
}

/** nextAllowed[v] = the smallest allowed value ≥ v, or -1; one extra slot past the end. */
function nextAllowedTable(allowed: readonly boolean[]): Int16Array {
  const table = new Int16Array(allowed.length + 1).fill(-1);
  for (let v = allowed.length - 1; v >= 0; v--) table[v] = allowed[v] ? v : table[v + 1]!;
  return table;
}

/** The model with lookup tables built once, so next() never scans a unit value by value. */
export class CompiledModel {
  readonly nextMonth: Int16Array;
  readonly nextHour: Int16Array;
  readonly nextMinute: Int16Array;
  readonly nextSecond: Int16Array;
  /** every hour allowed: the DST-overlap rule matches both occurrences only then */
  readonly hourFree: boolean;
  /** relative day forms to test on top of the tables (kept off the path of schedules without them) */
  private readonly relativeMonthDays: RelativeDays | null;
  private readonly relativeWeekdays: RelativeDays | null;

  constructor(readonly model: MatchModel) {
    this.nextMonth = nextAllowedTable(model.months);
    this.nextHour = nextAllowedTable(model.hours);
    this.nextMinute = nextAllowedTable(model.minutes);
    this.nextSecond = nextAllowedTable(model.seconds);
    this.hourFree = model.hours.every(Boolean);
    const r = model.relativeDays;
    this.relativeMonthDays = r !== undefined && hasRelativeMonthDays(r) ? r : null;
    this.relativeWeekdays = r !== undefined && hasRelativeWeekdays(r) ? r : null;
  }

  /** The smallest allowed year ≥ y, or null if there is none. */
  nextYear(y: number): number | null {
    const rule = this.model.year;
    switch (rule.kind) {
      case "any":
        return y;
      case "equals":
        return rule.value >= y ? rule.value : null;
      case "divisible":
        return Math.ceil(y / rule.by) * rule.by;
      case "never":
        return null;
    }
  }

  /** The first allowed day ≥ d in the month, or -1. */
  nextDay(year: number, month: number, d: number): number {
    const m = this.model;
    const last = daysInMonth(year, month);
    let weekday = weekdayOfDays(daysFromCivil(year, month, d));
    for (let day = d; day <= last; day++, weekday = (weekday + 1) % 7) {
      const rd = this.relativeMonthDays;
      const rw = this.relativeWeekdays;
      const dom = m.daysOfMonth[day]! || m.daysFromEnd[last - day]! || (rd !== null && isRelativeMonthDay(rd, day, weekday, last));
      const dow = m.weekdays[weekday]! || (rw !== null && isRelativeWeekday(rw, day, weekday, last));
      if (m.dayRule === "and" ? dom && dow : dom || dow) return day;
    }
    return -1;
  }
}
