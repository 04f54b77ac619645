import { daysInMonth, secondsFromWallTime, wallTimeFromSeconds } from "../time/civil.js";
import type { CompiledModel } from "./model.js";

/**
 * The earliest wall time at or after `from` (local seconds) that the model allows, or null if
 * none before the end of `maxYear`. An odometer over the units, largest first, carrying into the
 * next larger unit when a smaller one has no allowed value left — never stepping second by second.
 * Wall time only: mapping to instants (DST) is next.ts's job.
 */
export function firstLocalMatch(m: CompiledModel, from: number, maxYear: number): number | null {
  let { year: y, month: mo, day: d, hour: H, minute: M, second: S } = wallTimeFromSeconds(from);
  const nextDay = () => {
    H = M = S = 0;
    if (++d > daysInMonth(y, mo)) nextMonth();
  };
  const nextMonth = () => {
    d = 1;
    H = M = S = 0;
    if (++mo > 12) {
      mo = 1;
      y++;
    }
  };
  for (;;) {
    const y2 = m.nextYear(y);
    if (y2 === null || y2 > maxYear) return null;
    if (y2 !== y) {
      y = y2;
      mo = d = 1;
      H = M = S = 0;
    }
    const mo2 = m.nextMonth[mo]!;
    if (mo2 < 0) {
      mo = 12;
      nextMonth();
      continue;
    }
    if (mo2 !== mo) {
      mo = mo2;
      d = 1;
      H = M = S = 0;
    }
    const d2 = m.nextDay(y, mo, d);
    if (d2 < 0) {
      nextMonth();
      continue;
    }
    if (d2 !== d) {
      d = d2;
      H = M = S = 0;
    }
    const H2 = m.nextHour[H]!;
    if (H2 < 0) {
      nextDay();
      continue;
    }
    if (H2 !== H) {
      H = H2;
      M = S = 0;
    }
    const M2 = m.nextMinute[M]!;
    if (M2 < 0) {
      M = S = 0;
      if (++H > 23) nextDay();
      continue;
    }
    if (M2 !== M) {
      M = M2;
      S = 0;
    }
    const S2 = m.nextSecond[S]!;
    if (S2 < 0) {
      S = 0;
      if (++M > 59) {
        M = 0;
        if (++H > 23) nextDay();
      }
      continue;
    }
    return secondsFromWallTime({ year: y, month: mo, day: d, hour: H, minute: M, second: S2 });
  }
}
