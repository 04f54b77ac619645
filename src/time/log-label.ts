/**
 * Log stamps: the daemontools convention, label = 2^62 + 10 + unix seconds, no leap table.
 * This is what Debian's and FreeBSD's `tai64nlocal` expect (libtai's constant
 * 4611686018427387914). It is deliberately NOT the real-TAI label runwhen uses for stamps
 * (see runwhen-label.ts): mixing the two shows log lines 27 s off.
 */

/** "@" + 24 lowercase hex digits. */
export function logLabel(seconds: number, nanos: number): string {
  // Plain numbers up to 2^53 are exact; the high word of 2^62 + 10 + s is fixed until 2106,
  // but compute it honestly so a far-future clock still yields a valid label.
  const s = seconds + 10;
  const high = Math.floor(s / 0x1_0000_0000);
  const low = s - high * 0x1_0000_0000;
  return "@" + (0x4000_0000 + high).toString(16).padStart(8, "0") + low.toString(16).padStart(8, "0") + nanos.toString(16).padStart(8, "0");
}

/** The label for a wall-clock reading in milliseconds (Date.now()). */
export function logLabelFromMs(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return logLabel(seconds, Math.floor((ms - seconds * 1000) * 1e6));
}
