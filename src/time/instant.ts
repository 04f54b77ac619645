/**
 * The canonical instant: POSIX time (no leap seconds), as the system clock gives it.
 * Scheduling works in whole seconds; log stamps carry the nanoseconds.
 */
export interface Instant {
  readonly seconds: number;
  /** 0 … 999 999 999 */
  readonly nanos: number;
}

export function instant(seconds: number, nanos = 0): Instant {
  return { seconds, nanos };
}

export function instantFromMs(ms: number): Instant {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

export function instantToMs(t: Instant): number {
  return t.seconds * 1000 + t.nanos / 1e6;
}

/** The first whole second at or after t: "at or after" for a stamp with a fraction. */
export function ceilSeconds(t: Instant): number {
  return t.nanos > 0 ? t.seconds + 1 : t.seconds;
}
