/**
 * Finds a zone's next UTC-offset change after an instant by probing offsets with luxon, so the
 * property tests can aim random instants at DST gaps and overlaps.
 */
import { DateTime } from "luxon";

const offsetAt = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).offset;

/** The first ms (on a whole minute) at which the offset differs from the one at `fromMs`, within a year. */
export function nextOffsetChange(fromMs: number, zone: string): number | null {
  const DAY = 86_400_000;
  const from = Math.floor(fromMs / 60_000) * 60_000;
  const start = offsetAt(from, zone);
  let lo = from;
  let hi = from;
  for (let i = 1; i <= 370; i++) {
    hi = from + i * DAY;
    if (offsetAt(hi, zone) !== start) break;
    lo = hi;
    if (i === 370) return null;
  }
  while (hi - lo > 60_000) {
    const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
    if (offsetAt(mid, zone) === start) lo = mid;
    else hi = mid;
  }
  return hi;
}
