/**
 * Reads a log label (src/time/log-label.ts) back: tests only, the product never reads its own
 * labels. Inverse of logLabel, by the daemontools constant 2^62 + 10.
 */
const LABEL = /^@4[0-9a-f]{15}[0-9a-f]{8}$/;

/** Reads a log label back into unix seconds and nanoseconds, or null if it is not one. */
export function parseLogLabel(label: string): { seconds: number; nanos: number } | null {
  if (!LABEL.test(label)) return null;
  const secLabel = BigInt("0x" + label.slice(1, 17));
  const nanos = parseInt(label.slice(17, 25), 16);
  if (nanos > 999_999_999) return null;
  return { seconds: Number(secLabel - (1n << 62n) - 10n), nanos };
}
