import { ScheduleError } from "./errors.js";
import { parsePosixTz, posixOffsetAt } from "./posix-tz.js";
import { intlOffsets, type OffsetSegment, ZoneTable } from "./zone-offsets.js";

/**
 * A time zone as a value: its name and its own source of UTC offsets (Intl for an IANA name, a
 * POSIX TZ rule, Date's local time, a constant). The edge (src/cli, src/daemon) resolves TZ into
 * one of these once and passes it in, so the scheduler reads no environment, no file and no
 * registry: everything next() needs about the zone travels with it. The transition table it
 * builds lazily is a cache private to the value.
 */
export interface Zone {
  /** As the user gave it (an IANA name, a POSIX TZ rule): for logs and messages. */
  readonly name: string;
  /** The stretch of constant offset that holds the instant `unix` (seconds). */
  segmentAt(unix: number): OffsetSegment;
  /** Seconds east of UTC at the instant `unix`. */
  offsetAt(unix: number): number;
}

/** A zone whose offsets come from `offsetAt` (seconds east of UTC at a unix second). */
export function zoneWithOffsets(name: string, offsetAt: (unix: number) => number): Zone {
  return new TableZone(name, offsetAt);
}

// The zone is its own table (a class, not a closure record): next() calls segmentAt in its inner
// loop, and one monomorphic method call keeps it as fast as the former per-name table lookup.
class TableZone extends ZoneTable implements Zone {
  constructor(
    readonly name: string,
    source: (unix: number) => number,
  ) {
    super(source);
  }

  offsetAt(unix: number): number {
    return this.segmentAt(unix).offset;
  }
}

/** An IANA zone, its offsets read through Intl; null if Intl does not know the name. */
function ianaZone(name: string): Zone | null {
  const offsets = intlOffsets(name);
  return offsets ? zoneWithOffsets(name, offsets) : null;
}

/** A POSIX TZ rule string (`CET-1CEST,M3.5.0,M10.5.0/3`, `JST-9`); null if it is not one. */
function posixRuleZone(text: string): Zone | null {
  const rule = parsePosixTz(text);
  return rule ? zoneWithOffsets(text, (unix) => posixOffsetAt(rule, unix)) : null;
}

/** UTC (also what libc reads from a TZ set but empty). */
export function utcZone(): Zone {
  return zoneWithOffsets("UTC", () => 0);
}

/**
 * The zone a name gives, as libc reads TZ once a leading ":" and zone-file paths are dealt
 * with: an IANA name Intl knows, else a POSIX rule string. An IANA name wins (EST5EDT is both),
 * as glibc prefers a zone file of that name. Throws ScheduleError naming the text otherwise.
 */
export function zoneNamed(text: string): Zone {
  const zone = ianaZone(text) ?? posixRuleZone(text);
  if (!zone) throw new ScheduleError(`unknown time zone: ${text}`);
  return zone;
}
