import type { Instant } from "./instant.js";
import { leapSecondsAt, unixFromTaiMinus10 } from "./leap-seconds.js";

/**
 * runwhen stamps: TAI64N in REAL TAI, as runwhen and skalibs compute it on a POSIX-clock host:
 * label = 2^62 + 10 + unix + (leap seconds inserted up to then) — 2^62 + unix + 37 since 2017.
 * A duration is a label without 2^62. This is what lets a chime rw-add feed a real rw-sleep.
 * Log lines use the other convention (log-label.ts).
 */
export interface Tain {
  /** 64-bit unsigned seconds label */
  readonly label: bigint;
  /** 0 … 999 999 999 */
  readonly nanos: number;
}

const TAI64_EPOCH = 1n << 62n;
const MOD64 = 1n << 64n;
const NANOS = 1_000_000_000;

export function tainFromInstant(i: Instant): Tain {
  return { label: TAI64_EPOCH + 10n + BigInt(i.seconds + leapSecondsAt(i.seconds)), nanos: i.nanos };
}

export function instantFromTain(t: Tain): Instant {
  return { seconds: unixFromTaiMinus10(Number(t.label - TAI64_EPOCH - 10n)), nanos: t.nanos };
}

/**
 * The first POSIX instant at or after a stamp, for searches that promise "at or after" (rw-match,
 * chime next). An inserted leap second (23:59:60, label one before the next day's) has no POSIX
 * name: instantFromTain shows it as the 23:59:59 before it, which would let a match land before
 * the stamp, so it becomes the next whole second (00:00:00) instead.
 */
export function instantAtOrAfterTain(t: Tain): Instant {
  const i = instantFromTain(t);
  return tainFromInstant(i).label === t.label ? i : { seconds: i.seconds + 1, nanos: 0 };
}

export function formatTain(t: Tain): string {
  return t.label.toString(16).padStart(16, "0") + t.nanos.toString(16).padStart(8, "0");
}

const HEX24 = /^[0-9a-fA-F]{24}$/;

/** 24 hex digits (either case, as skalibs' scanner), nanoseconds ≤ 999 999 999; else null. */
export function parseTainHex(hex: string): Tain | null {
  if (!HEX24.test(hex)) return null;
  const nanos = parseInt(hex.slice(16), 16);
  if (nanos >= NANOS) return null;
  return { label: BigInt("0x" + hex.slice(0, 16)), nanos };
}

/** skalibs tain_add: labels add modulo 2^64, nanoseconds carry. */
export function addTain(a: Tain, b: Tain): Tain {
  let nanos = a.nanos + b.nanos;
  let label = a.label + b.label;
  if (nanos >= NANOS) {
    nanos -= NANOS;
    label += 1n;
  }
  return { label: label % MOD64, nanos };
}

/** skalibs tain_sub: labels subtract modulo 2^64, nanoseconds borrow. */
export function subTain(a: Tain, b: Tain): Tain {
  let nanos = a.nanos - b.nanos;
  let label = a.label - b.label;
  if (nanos < 0) {
    nanos += NANOS;
    label -= 1n;
  }
  return { label: ((label % MOD64) + MOD64) % MOD64, nanos };
}

export function compareTain(a: Tain, b: Tain): number {
  return a.label < b.label ? -1 : a.label > b.label ? 1 : a.nanos - b.nanos;
}
