import { daysFromCivil } from "../time/civil.js";
import { ScheduleError } from "./errors.js";
import { parsePosixTz, posixOffsetAt, type PosixZone } from "./posix-tz.js";

/**
 * UTC offsets of an IANA zone, read from Intl (the ICU copy of tzdata Node ships), turned into
 * a table of transitions so next() can map wall times to instants with a binary search instead
 * of an Intl call. The table is built lazily in chunks of ~194 days and kept per zone.
 */

/** A stretch of time with one offset; its neighbours' offsets tell a DST gap from an overlap. */
export interface OffsetSegment {
  /** first instant (unix seconds) with this offset, or an artificial chunk edge */
  readonly start: number;
  /** first instant after the segment */
  readonly end: number;
  /** seconds east of UTC */
  readonly offset: number;
  /** offset just before `start` (equals `offset` at an artificial edge) */
  readonly offsetBefore: number;
  /** offset from `end` on (equals `offset` at an artificial edge) */
  readonly offsetAfter: number;
}

const CHUNK = 2 ** 24;
// Sampling step inside a chunk. A zone that changes offset and changes back within one step
// would be missed; tzdata has no such pair (the closest transitions are weeks apart).
const STEP = 86400;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone: zone,
        hourCycle: "h23",
        era: "short",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      });
    } catch {
      throw new ScheduleError(`unknown time zone: ${zone}`);
    }
    formatters.set(zone, f);
  }
  return f;
}

/** POSIX TZ rule strings in use, read by posix-tz.ts: Intl knows only IANA names. */
const posixZones = new Map<string, PosixZone>();

/**
 * Throws ScheduleError for a zone that is neither an IANA name Intl knows nor a POSIX TZ rule
 * string. An IANA name wins (EST5EDT is both), as glibc prefers a zone file of that name.
 */
export function checkZone(zone: string): void {
  if (posixZones.has(zone)) return;
  try {
    formatterFor(zone);
  } catch (err) {
    const posix = parsePosixTz(zone);
    if (!posix) throw err;
    posixZones.set(zone, posix);
  }
}

// "11/25/2026 AD, 13:44:15" — format() and a regex are ~4× faster than formatToParts().
const FORMATTED = /^(\d+)\/(\d+)\/(\d+) ([A-Z]+), (\d+):(\d+):(\d+)$/;

/**
 * Zones the caller has vouched are JS Date's own local zone (TZ names them). Why: the first
 * Intl.DateTimeFormat of a process costs ~10 ms (ICU locale data, pattern generation) — most of
 * an rw-match run's start-up — while Date's local-time fields read the same ICU zone data for
 * ~0.3 ms. The answers are identical (tested per zone file); only the cost differs.
 */
const dateLocalZones = new Set<string>();

/** The caller vouches that Date's local time zone is `zone`: read its offsets through Date. */
export function useDateLocalOffsets(zone: string): void {
  dateLocalZones.add(zone);
}

function dateLocalOffset(unix: number): number {
  const d = new Date(unix * 1000);
  const local = daysFromCivil(d.getFullYear(), d.getMonth() + 1, d.getDate()) * 86400 + d.getHours() * 3600 + d.getMinutes() * 60 + d.getSeconds();
  return local - unix;
}

export function offsetAtUncached(zone: string, unix: number): number {
  if (dateLocalZones.has(zone)) return dateLocalOffset(unix);
  const posix = posixZones.get(zone);
  if (posix) return posixOffsetAt(posix, unix);
  const text = formatterFor(zone).format(unix * 1000);
  const m = FORMATTED.exec(text);
  if (!m) throw new Error(`unexpected Intl date format for zone ${zone}: ${text}`);
  const [month, day, yearOfEra] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const year = m[4] === "BC" || m[4] === "B" ? 1 - yearOfEra : yearOfEra;
  const local = daysFromCivil(year, month, day) * 86400 + Number(m[5]) * 3600 + Number(m[6]) * 60 + Number(m[7]);
  return local - unix;
}

class ZoneTable {
  private readonly chunkStartOffset = new Map<number, number>();
  /** sorted transition instants with the offsets on either side */
  private readonly at: number[] = [];
  private readonly before: number[] = [];
  private readonly after: number[] = [];

  constructor(private readonly zone: string) {}

  private ensure(k: number): void {
    if (this.chunkStartOffset.has(k)) return;
    const start = k * CHUNK;
    const end = start + CHUNK;
    let prevT = start;
    let prevO = offsetAtUncached(this.zone, start);
    this.chunkStartOffset.set(k, prevO);
    for (let t = Math.min(start + STEP, end); ; t = Math.min(t + STEP, end)) {
      const o = offsetAtUncached(this.zone, t);
      // Several transitions inside one step: find them one after the other.
      while (o !== prevO) {
        let lo = prevT;
        let hi = t;
        while (hi - lo > 1) {
          const mid = lo + Math.floor((hi - lo) / 2);
          if (offsetAtUncached(this.zone, mid) === prevO) lo = mid;
          else hi = mid;
        }
        const newO = offsetAtUncached(this.zone, hi);
        this.insert(hi, prevO, newO);
        prevT = hi;
        prevO = newO;
      }
      prevT = t;
      if (t === end) break;
    }
  }

  private insert(at: number, before: number, after: number): void {
    const i = this.upperBound(at);
    if (this.at[i - 1] === at) return;
    this.at.splice(i, 0, at);
    this.before.splice(i, 0, before);
    this.after.splice(i, 0, after);
  }

  /** index of the first transition > t */
  private upperBound(t: number): number {
    let lo = 0;
    let hi = this.at.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  segmentAt(t: number): OffsetSegment {
    const k = Math.floor(t / CHUNK);
    this.ensure(k - 1);
    this.ensure(k);
    this.ensure(k + 1);
    // Only transitions inside the three chunks just ensured are known to be complete.
    const windowStart = (k - 1) * CHUNK;
    const windowEnd = (k + 2) * CHUNK;
    const j = this.upperBound(t);
    const i = j - 1;
    let start: number, offset: number, offsetBefore: number;
    if (i >= 0 && this.at[i]! >= windowStart) {
      start = this.at[i]!;
      offset = this.after[i]!;
      offsetBefore = this.before[i]!;
    } else {
      start = windowStart;
      offset = offsetBefore = this.chunkStartOffset.get(k - 1)!;
    }
    if (j < this.at.length && this.at[j]! < windowEnd) {
      return { start, end: this.at[j]!, offset, offsetBefore, offsetAfter: this.after[j]! };
    }
    return { start, end: windowEnd, offset, offsetBefore, offsetAfter: offset };
  }
}

const tables = new Map<string, ZoneTable>();

export function segmentAt(zone: string, unix: number): OffsetSegment {
  let table = tables.get(zone);
  if (!table) {
    if (!dateLocalZones.has(zone)) checkZone(zone);
    table = new ZoneTable(zone);
    tables.set(zone, table);
  }
  return table.segmentAt(unix);
}

export function offsetAt(zone: string, unix: number): number {
  return segmentAt(zone, unix).offset;
}
