/**
 * cron's days that are defined relative to the month rather than by number — `nW`, `LW`
 * (day-of-month) and `nL`, `n#k` (day-of-week). runwhen has no such forms. Each test answers
 * "is this day of this month one of them?" from the day, its weekday and the month's length,
 * so the odometer can still walk a month day by day without building a calendar.
 */
export interface RelativeDays {
  /** index n = 1…31: `nW`, the Monday–Friday nearest day n, never leaving the month */
  readonly nearestWeekday: readonly boolean[];
  /** `LW`: the month's last Monday–Friday */
  readonly lastWeekday: boolean;
  /** index 0 (Sunday) … 6: `nL`, the month's last such weekday */
  readonly lastOfWeekday: readonly boolean[];
  /** index (k − 1) · 7 + weekday, k = 1…5: `n#k`, the month's k-th such weekday */
  readonly nthOfWeekday: readonly boolean[];
}

const SUNDAY = 0;
const MONDAY = 1;
const FRIDAY = 5;
const SATURDAY = 6;

/**
 * Day `day` (weekday `weekday`, in a month of `last` days) is an `nW` or `LW` day. The nearest
 * weekday of a Saturday is the Friday before, of a Sunday the Monday after — unless that leaves
 * the month: a Saturday 1st gives Monday the 3rd, a Sunday 31st (last day) the Friday 29th.
 * A day n the month does not have (`31W` in April) gives nothing that month, as `31` does not.
 */
export function isRelativeMonthDay(r: RelativeDays, day: number, weekday: number, last: number): boolean {
  if (weekday === SUNDAY || weekday === SATURDAY) return false;
  if (r.lastWeekday && (day === last || (weekday === FRIDAY && last - day <= 2))) return true;
  const w = r.nearestWeekday;
  if (w[day]) return true;
  if (weekday === FRIDAY) {
    // Saturday day+1 → this Friday; Sunday day+2 → this Friday only when it ends the month.
    return (day + 1 <= last && w[day + 1] === true) || (day + 2 === last && w[day + 2] === true);
  }
  if (weekday === MONDAY) {
    // Sunday day−1 → this Monday; Saturday the 1st → Monday the 3rd.
    return (day - 1 >= 1 && w[day - 1] === true) || (day === 3 && w[1] === true);
  }
  return false;
}

/** Day `day` (weekday `weekday`, in a month of `last` days) is an `nL` or `n#k` day. */
export function isRelativeWeekday(r: RelativeDays, day: number, weekday: number, last: number): boolean {
  if (r.lastOfWeekday[weekday] && day + 7 > last) return true;
  const k = Math.floor((day - 1) / 7); // 0-based: days 1–7 hold each weekday's first occurrence
  return r.nthOfWeekday[k * 7 + weekday] === true;
}

export function hasRelativeMonthDays(r: RelativeDays): boolean {
  return r.lastWeekday || r.nearestWeekday.some(Boolean);
}

export function hasRelativeWeekdays(r: RelativeDays): boolean {
  return r.lastOfWeekday.some(Boolean) || r.nthOfWeekday.some(Boolean);
}
