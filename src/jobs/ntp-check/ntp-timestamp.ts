/**
 * 64-bit NTP timestamps (32-bit seconds since 1900 + 32-bit fraction) as BigInt.
 *
 * Differences are taken modulo 2^64 and read back as signed, so two timestamps on either
 * side of the 2036 era wrap (2036-02-07T06:28:16Z) still differ by the right few seconds:
 * only the era-free difference ever matters for offset and delay.
 */
export type NtpTimestamp = bigint;

/** Seconds from 1900-01-01 (NTP prime epoch) to 1970-01-01 (POSIX epoch). */
export const NTP_UNIX_OFFSET_SECONDS = 2_208_988_800n;
const TWO_32 = 2 ** 32;
const MASK_64 = (1n << 64n) - 1n;

/** NTP timestamp (era folded away) of a POSIX time given in milliseconds, sub-ms kept. */
export function ntpFromUnixMs(ms: number): NtpTimestamp {
  const wholeMs = Math.floor(ms);
  const fracMs = ms - wholeMs;
  const secs = BigInt(Math.floor(wholeMs / 1000));
  const restMs = wholeMs - Number(secs) * 1000 + fracMs;
  const fraction = BigInt(Math.min(TWO_32 - 1, Math.round((restMs / 1000) * TWO_32)));
  return (((secs + NTP_UNIX_OFFSET_SECONDS) << 32n) | fraction) & MASK_64;
}

/** a − b in seconds, correct across an era boundary as long as |a − b| < 68 years. */
export function ntpDiffSeconds(a: NtpTimestamp, b: NtpTimestamp): number {
  const d = BigInt.asIntN(64, a - b);
  // Split before converting so the fraction keeps its precision even for large differences.
  const whole = d >> 32n;
  const frac = d & 0xffff_ffffn;
  return Number(whole) + Number(frac) / TWO_32;
}

export function readNtpTimestamp(buf: Uint8Array, offset: number): NtpTimestamp {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return view.getBigUint64(offset, false);
}

export function writeNtpTimestamp(buf: Uint8Array, offset: number, ts: NtpTimestamp): void {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  view.setBigUint64(offset, ts & MASK_64, false);
}

/** NTP short format (16.16 fixed point, unsigned), used by root delay and dispersion. */
export function readNtpShort(buf: Uint8Array, offset: number): number {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return view.getUint16(offset, false) + view.getUint16(offset + 2, false) / 65536;
}
