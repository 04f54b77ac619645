import { daysFromCivil } from "../time/civil.js";

/**
 * UTC offsets of an IANA zone, read from Intl (the ICU copy of tzdata Node ships), turned into
 * a table of transitions so next() can map wall times to instants with a binary search instead
 * of an Intl call. The table is built lazily in chunks of ~194 days from any offset source
 * (Intl, a POSIX rule, Date's local time) and kept inside the zone value that owns it.
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

const FORMATTED = /^(\d+)\/(\d+)\/(\d+) ([A-Z]+), (\d+):(\d+):(\d+)$/;

/**
 * The offset source of an IANA zone through Intl, or null if Intl does not know the name.
 * "11/25/2026 AD, 13:44:15": format() and a regex are ~4× faster than formatToParts().
 */
export function intlOffsets(zone: string): ((unix: number) => number) | null {
  let f: Intl.DateTimeFormat;
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
    return null;
  }
  return (unix) => {
    const text = f.format(unix * 1000);
    const m = FORMATTED.exec(text);
    if (!m) throw new Error(`unexpected Intl date format for zone ${zone}: ${text}`);
    const [month, day, yearOfEra] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const year = m[4] === "BC" || m[4] === "B" ? 1 - yearOfEra : yearOfEra;
    const local = daysFromCivil(year, month, day) * 86400 + Number(m[5]) * 3600 + Number(m[6]) * 60 + Number(m[7]);
    return local - unix;
  };
}

export class ZoneTable {
  private readonly chunkStartOffset = new Map<number, number>();
  /** sorted transition instants with the offsets on either side */
  private readonly at: number[] = [];
  private readonly before: number[] = [];
  private readonly after: number[] = [];

  constructor(private readonly source: (unix: number) => number) {}

  private ensure(k: number): void {
    if (this.chunkStartOffset.has(k)) return;
    const start = k * CHUNK;
    const end = start + CHUNK;
    let prevT = start;
    let prevO = this.source(start);
    this.chunkStartOffset.set(k, prevO);
    for (let t = Math.min(start + STEP, end); ; t = Math.min(t + STEP, end)) {
      const o = this.source(t);
      // Several transitions inside one step: find them one after the other.
      while (o !== prevO) {
        let lo = prevT;
        let hi = t;
        while (hi - lo > 1) {
          const mid = lo + Math.floor((hi - lo) / 2);
          if (this.source(mid) === prevO) lo = mid;
          else hi = mid;
        }
        const newO = this.source(hi);
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
