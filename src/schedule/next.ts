import { ceilSeconds, type Instant } from "../time/instant.js";
import { wallTimeFromSeconds } from "../time/civil.js";
import { ScheduleRangeError } from "./errors.js";
import { firstLocalMatch } from "./local-match.js";
import type { CompiledModel } from "./model.js";
import type { Zone } from "./zone.js";

/** If nothing matches within one Gregorian cycle, nothing ever will (explicit future years aside). */
const SEARCH_YEARS = 400;
/**
 * Any two UTC offsets ever used differ by less than this (tzdata spans about −15:56 … +15:13), so
 * an instant this far from another has a wall time on the same side. It bounds the segment jump
 * that makes sparse schedules (29 February) cost a few segments instead of every one between.
 */
const OFFSET_SPREAD = 2 * 86400;

/**
 * The earliest instant at or after `after` whose wall time in `zone` the model allows.
 *
 * Time is cut into segments of constant UTC offset; inside one, wall time and instant differ by
 * a constant, so the odometer (firstLocalMatch) answers directly. The DST rules — DESIGN.md §4,
 * decided here:
 * - Gap (spring forward): a wall time that does not exist is moved forward by the gap, i.e. read
 *   with the offset before the jump (02:30 on Berlin's spring day → 03:30 CEST). A daily 02:30 job
 *   still runs that day. Implemented by letting a segment that ends in a gap search on into the
 *   gap's wall times.
 * - Overlap (fall back): a wall time that occurs twice matches both occurrences only when every
 *   hour is allowed (`,M=0`, `,M/15`, `0 * * * *`: "every hour" means every absolute hour);
 *   otherwise only its first occurrence, so a daily 02:30 job runs once. Implemented by starting
 *   the search of the segment after a fall-back at the end of the repeated wall times.
 * - Never before the input: a fractional `after` starts at the next whole second.
 */
export function nextInstant(model: CompiledModel, after: Instant, zone: Zone): Instant {
  let t = ceilSeconds(after);
  const maxYear = wallTimeFromSeconds(t + zone.segmentAt(t).offset).year + SEARCH_YEARS;
  let gapCandidate = Infinity;
  let skipFrom = Infinity;
  let skipTo = -Infinity;
  for (;;) {
    if (t >= skipFrom && t < skipTo) t = skipTo;
    const seg = zone.segmentAt(t);
    const gapLength = seg.offset - seg.offsetBefore;
    if (gapLength > 0 && t < seg.start + gapLength) {
      // Searching from inside [jump, jump + gap): the gap's own wall times land here too
      // (read with the offset before the jump), and the previous segment never saw them.
      const gapWall = firstLocalMatch(model, t + seg.offsetBefore, maxYear);
      if (gapWall !== null && gapWall < seg.start + seg.offset) {
        gapCandidate = Math.min(gapCandidate, gapWall - seg.offsetBefore);
      }
    }
    let from = t + seg.offset;
    if (seg.offsetBefore > seg.offset && !model.hourFree) {
      from = Math.max(from, seg.start + seg.offsetBefore);
    }
    const wallEnd = seg.end + seg.offset;
    const gapEnd = seg.offsetAfter > seg.offset ? seg.end + seg.offsetAfter : wallEnd;
    const wall = firstLocalMatch(model, from, maxYear);
    if (wall === null) {
      if (gapCandidate !== Infinity) return { seconds: gapCandidate, nanos: 0 };
      throw new ScheduleRangeError();
    }
    const candidate = wall - seg.offset;
    if (wall < wallEnd || candidate >= gapCandidate) {
      return { seconds: Math.min(candidate, gapCandidate), nanos: 0 };
    }
    if (wall < gapEnd) {
      // A wall time inside the gap lands in [end, end + gap); the next segment may still hold an
      // earlier match (Lord Howe's 30-minute gap: 02:15 → 02:45, but 02:35 exists).
      gapCandidate = candidate;
    } else if (skipTo <= t && candidate - OFFSET_SPREAD > seg.end + OFFSET_SPREAD) {
      // No wall time in [from, wall) matched. Instants in [end + spread, candidate − spread) all
      // have wall times inside that range, whatever their offset, so none of them can match.
      // The first `spread` after `end` is still walked: a fall-back there repeats earlier walls.
      skipFrom = seg.end + OFFSET_SPREAD;
      skipTo = candidate - OFFSET_SPREAD;
    }
    t = seg.end;
    if (t >= gapCandidate) return { seconds: gapCandidate, nanos: 0 };
  }
}
