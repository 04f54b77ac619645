/**
 * The brute-force reference's view of a schedule: one membership test per unit of local wall
 * time, written from DESIGN.md §4 and the runwhen/cron rules, independently of src/schedule.
 * It knows nothing about carrying; it only answers "does this wall time match?".
 */
export interface WallRules {
  /** Does this local date match (year, month 1–12, day 1–31, weekday 0 = Sunday)? */
  dateMatches(year: number, month: number, day: number, weekday: number): boolean;
  readonly hours: readonly boolean[]; // 24
  readonly minutes: readonly boolean[]; // 60
  readonly seconds: readonly boolean[]; // 60
  /** A year that can never match is skipped whole (keeps the 400-year search cheap). */
  yearMayMatch(year: number): boolean;
}

/** Every one of the 24 hours is allowed: then a repeated wall time matches both times. */
export function hourIsFree(rules: WallRules): boolean {
  return rules.hours.every(Boolean);
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}
