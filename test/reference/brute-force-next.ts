/**
 * Brute-force "next matching instant", the oracle for the property tests. It walks local
 * calendar days, tries every allowed wall-clock minute of every matching day, turns each wall
 * time into its instant(s) by probing the zone's UTC offsets through luxon, applies DESIGN.md
 * §4's DST rules, and keeps the smallest instant at or after the input. No carrying, no
 * transition table: just enumeration and membership tests, so it shares no logic with src.
 *
 * DST rules encoded (DESIGN.md §4):
 * - a wall time that does not exist (gap) is moved forward by the gap length, i.e. it is read
 *   with the offset in force before the transition;
 * - a wall time that occurs twice (overlap) yields both instants if all 24 hours are allowed,
 *   else only the first (earlier) one;
 * - the answer is the earliest of all those instants at or after `after` (fractions round up).
 */
import { DateTime } from "luxon";
import { hourIsFree, weekdayOf, type WallRules } from "./wall-time-rules.js";

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
/** Probing this far either side of a wall time finds the offsets before and after a transition. */
const PROBE_MS = 36 * HOUR_MS;
/** No zone is further than this from UTC (Pacific/Kiritimati is +14, the far west −12). */
const MAX_OFFSET_MS = 15 * HOUR_MS;

export interface AfterInstant {
  readonly seconds: number;
  readonly nanos: number;
}

/** The zone's offset (ms) at a UTC instant (ms), as luxon reports it. */
function offsetProbe(zone: string): (utcMs: number) => number {
  const cache = new Map<number, number>();
  return (utcMs) => {
    let o = cache.get(utcMs);
    if (o === undefined) {
      o = DateTime.fromMillis(utcMs, { zone }).offset * MINUTE_MS;
      cache.set(utcMs, o);
    }
    return o;
  };
}

/**
 * The instants (ms) that the wall time `wallMs` (wall fields written as if UTC) stands for under
 * the DST rules, earliest first. The offsets 36 h either side (probed on whole hours, so they
 * are shared by a whole hour of wall times) are the candidates; where they differ, each is kept
 * only if reading the wall time with it lands on an instant that really has that offset.
 */
export function instantsOfWallTime(wallMs: number, offsetAt: (utcMs: number) => number, bothInOverlap: boolean): number[] {
  const before = offsetAt(Math.floor((wallMs - PROBE_MS) / HOUR_MS) * HOUR_MS);
  const after = offsetAt(Math.ceil((wallMs + PROBE_MS) / HOUR_MS) * HOUR_MS);
  if (before === after) return [wallMs - before];
  const valid = [before, after].filter((o) => offsetAt(wallMs - o) === o).map((o) => wallMs - o);
  valid.sort((a, b) => a - b);
  if (valid.length === 0) return [wallMs - before]; // gap: read with the offset from before it
  return bothInOverlap ? valid : valid.slice(0, 1);
}

/** Earliest matching instant (unix seconds) at or after `after`, or null if none within 401 years. */
export function bruteForceNext(rules: WallRules, after: AfterInstant, zone: string): number | null {
  const fromMs = (after.nanos > 0 ? after.seconds + 1 : after.seconds) * 1000;
  const offsetAt = offsetProbe(zone);
  const both = hourIsFree(rules);
  const start = DateTime.fromMillis(fromMs - 2 * 24 * HOUR_MS, { zone: "UTC" });
  const lastYear = start.year + 402;
  const hours = rules.hours.flatMap((ok, h) => (ok ? [h] : []));
  const minutes = rules.minutes.flatMap((ok, m) => (ok ? [m] : []));
  const seconds = rules.seconds.flatMap((ok, s) => (ok ? [s] : []));
  let best: number | null = null;

  for (let year = start.year; year <= lastYear; year++) {
    if (!rules.yearMayMatch(year)) continue;
    for (let month = year === start.year ? start.month : 1; month <= 12; month++) {
      const firstDay = year === start.year && month === start.month ? start.day : 1;
      for (let day = firstDay; day <= 31; day++) {
        const dayMs = Date.UTC(year, month - 1, day);
        if (new Date(dayMs).getUTCDate() !== day) break; // past the month's end
        if (best !== null && dayMs - MAX_OFFSET_MS > best) return best / 1000;
        if (!rules.dateMatches(year, month, day, weekdayOf(year, month, day))) continue;
        for (const h of hours) {
          for (const m of minutes) {
            const wallMs = dayMs + h * HOUR_MS + m * MINUTE_MS;
            if (wallMs + MAX_OFFSET_MS + 59_000 < fromMs) continue; // cannot reach `after`
            if (best !== null && wallMs - MAX_OFFSET_MS > best) continue;
            for (const base of instantsOfWallTime(wallMs, offsetAt, both)) {
              const s = seconds.find((sec) => base + sec * 1000 >= fromMs);
              if (s === undefined) continue;
              const candidate = base + s * 1000;
              if (best === null || candidate < best) best = candidate;
            }
          }
        }
      }
    }
  }
  return best === null ? null : best / 1000;
}
