import { ScheduleRangeError } from "../schedule/errors.js";
import type { Instant } from "../time/instant.js";

/**
 * Start instants a schedule search accepts: years 1 to 9999, four-digit civil years. Stamps can
 * say far more (a 64-bit label spans 2^63 years, and a duration like d1S read as an absolute time
 * lies 146 billion years back); runwhen answers those with "timestamp out of range", and so do we,
 * before the zone arithmetic is asked about a time no calendar has.
 */
const FIRST = -62_135_596_800; // 0001-01-01T00:00:00Z
const LAST = 253_402_300_799; // 9999-12-31T23:59:59Z

export function assertSchedulable(from: Instant): Instant {
  if (!(from.seconds >= FIRST && from.seconds <= LAST)) throw new ScheduleRangeError();
  return from;
}
