/**
 * The test side's own NTP packet writer and clock conversion, written from RFC 5905 §7.3
 * independently of src/, so the tests do not check the product against itself.
 */
export const UNIX_TO_NTP = 2_208_988_800n;

/** POSIX ms → 64-bit NTP timestamp, reduced modulo 2^64 (i.e. into its era). */
export function ntpAt(unixMs: number): bigint {
  const ns = BigInt(Math.round(unixMs * 1e6));
  const secs = ns / 1_000_000_000n - (ns < 0n && ns % 1_000_000_000n !== 0n ? 1n : 0n);
  const restNs = ns - secs * 1_000_000_000n;
  const frac = (restNs << 32n) / 1_000_000_000n;
  return (((secs + UNIX_TO_NTP) << 32n) + frac) & 0xffff_ffff_ffff_ffffn;
}

const MASK64 = 0xffff_ffff_ffff_ffffn;

export interface ReplyFields {
  leap: number;
  version: number;
  mode: number;
  stratum: number;
  poll: number;
  precision: number;
  /** seconds */
  rootDelay: number;
  /** seconds */
  rootDispersion: number;
  /** 4 ASCII chars or a u32 */
  refId: string | number;
  reference: bigint;
  origin: bigint;
  receive: bigint;
  transmit: bigint;
  /** total length; default 48 */
  length: number;
}

export function writeReply(f: Partial<ReplyFields>): Buffer {
  const length = f.length ?? 48;
  const buf = Buffer.alloc(Math.max(length, 48));
  buf[0] = (((f.leap ?? 0) & 3) << 6) | (((f.version ?? 4) & 7) << 3) | ((f.mode ?? 4) & 7);
  buf[1] = f.stratum ?? 2;
  buf.writeInt8(f.poll ?? 6, 2);
  buf.writeInt8(f.precision ?? -20, 3);
  buf.writeUInt32BE(Math.round((f.rootDelay ?? 0.001) * 65536), 4);
  buf.writeUInt32BE(Math.round((f.rootDispersion ?? 0.001) * 65536), 8);
  const refId = f.refId ?? 0x0a000001;
  if (typeof refId === "string") Buffer.from(refId.padEnd(4, "\0"), "latin1").copy(buf, 12, 0, 4);
  else buf.writeUInt32BE(refId >>> 0, 12);
  buf.writeBigUInt64BE((f.reference ?? 0n) & MASK64, 16);
  buf.writeBigUInt64BE((f.origin ?? 0n) & MASK64, 24);
  buf.writeBigUInt64BE((f.receive ?? 0n) & MASK64, 32);
  buf.writeBigUInt64BE((f.transmit ?? 0n) & MASK64, 40);
  return buf.subarray(0, length);
}

export function requestNonce(req: Buffer): bigint {
  return req.readBigUInt64BE(40);
}

export function requestVersion(req: Buffer): number {
  return (req[0]! >> 3) & 7;
}
