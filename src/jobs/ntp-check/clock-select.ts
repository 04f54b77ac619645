/**
 * Falseticker detection by interval intersection (Marzullo; RFC 5905 §11.2.1 "clock select").
 *
 * Each valid peer says "the true offset lies in [θ − λ, θ + λ]", λ its root distance. The
 * largest set of peers whose intervals share a point is the truechimers if it is a majority;
 * the rest are falsetickers. We use this rather than median/MAD because it reasons with each
 * peer's own error bound (a far stratum-3 WAN peer is allowed more slack than a LAN one),
 * and it is what ntpd's and chrony's "x" marks mean, so operators can compare.
 */
export interface OffsetInterval {
  readonly id: string;
  /** seconds */
  readonly offset: number;
  /** seconds, half width */
  readonly lambda: number;
}

export interface ClockSelection {
  /** false when no majority of peers agrees on any point */
  readonly consensus: boolean;
  readonly truechimers: readonly string[];
  readonly falsetickers: readonly string[];
  /** the majority's common interval, seconds; null without consensus */
  readonly low: number | null;
  readonly high: number | null;
}

/** RFC 5905 MINDISP: no peer's error bound is taken as tighter than this. */
export const MIN_DISPERSION = 0.01;

/** Root distance as RFC 5905 §11.2 computes it for a peer, from our sample of it. */
export function rootDistanceOf(p: { delay: number; rootDelay: number; rootDispersion: number; jitter: number }): number {
  return Math.max(MIN_DISPERSION, p.delay + p.rootDelay) / 2 + p.rootDispersion + p.jitter;
}

export function selectClocks(intervals: readonly OffsetInterval[]): ClockSelection {
  const n = intervals.length;
  if (n === 0) return { consensus: false, truechimers: [], falsetickers: [], low: null, high: null };
  const lo = (i: OffsetInterval): number => i.offset - i.lambda;
  const hi = (i: OffsetInterval): number => i.offset + i.lambda;
  const coverage = (x: number): number => intervals.filter((i) => lo(i) <= x && x <= hi(i)).length;
  // Coverage is piecewise constant and peaks at some interval's lower end (and ends at some
  // upper end), so those are the only points worth counting.
  let best = 0;
  for (const i of intervals) best = Math.max(best, coverage(lo(i)));
  if (2 * best <= n) {
    return { consensus: false, truechimers: [], falsetickers: intervals.map((i) => i.id), low: null, high: null };
  }
  const low = Math.min(...intervals.map(lo).filter((x) => coverage(x) === best));
  const high = Math.max(...intervals.map(hi).filter((x) => coverage(x) === best));
  const truechimers: string[] = [];
  const falsetickers: string[] = [];
  for (const i of intervals) (hi(i) >= low && lo(i) <= high ? truechimers : falsetickers).push(i.id);
  return { consensus: true, truechimers, falsetickers, low, high };
}
