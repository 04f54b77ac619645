import { daysFromCivil, daysInMonth } from "./civil.js";
import type { Instant } from "./instant.js";
import { parseTainHex, tainFromInstant, type Tain } from "./runwhen-label.js";

/** A stamp argument that is not one of runwhen's forms. The message is runwhen's text. */
export class StampError extends Error {
  override readonly name = "StampError";
}

export type StampEnvironment = Readonly<Record<string, string | undefined>>;

const MAX_LABEL = (1n << 64n) - 1n;
const DURATION_UNITS: Readonly<Record<string, bigint>> = { S: 1n, M: 60n, H: 3600n, d: 86400n, W: 604800n };

/**
 * runwhen's stamp grammar, dispatched on the first character:
 *   @ + 24 hex | $NAME (24 hex, no "@") | n | dN{S,M,H,d,W} | tN | iYYYY-MM-DDTHH:MM:SS[.frac]±HHMM
 * `now` is read only for `n`.
 */
export function parseStamp(arg: string, env: StampEnvironment, now: () => Instant): Tain {
  const malformed = () => new StampError(`malformed timestamp: ${arg}`);
  switch (arg[0]) {
    case "@":
      return parseTainHex(arg.slice(1)) ?? fail(malformed());
    case "$": {
      const value = arg.length > 1 ? env[arg.slice(1)] : undefined;
      return (value !== undefined && parseTainHex(value)) || fail(malformed());
    }
    case "n":
      if (arg !== "n") throw malformed();
      return tainFromInstant(now());
    case "d":
      return parseDuration(arg) ?? fail(malformed());
    case "t": {
      if (!/^t[0-9]+$/.test(arg)) throw malformed();
      const seconds = Number(arg.slice(1));
      // Beyond 2^53 the label would be inexact; no clock will ever read that.
      if (!Number.isSafeInteger(seconds)) throw new StampError(`arithmetic overflow: ${arg}`);
      return tainFromInstant({ seconds, nanos: 0 });
    }
    case "i":
      return tainFromIso(arg.slice(1)) ?? fail(malformed());
    default:
      throw malformed();
  }
}

function fail(err: Error): never {
  throw err;
}

function parseDuration(arg: string): Tain | null {
  const m = /^d([0-9]+)([SMHdW])$/.exec(arg);
  if (!m) return null;
  const label = BigInt(m[1]!) * DURATION_UNITS[m[2]!]!;
  if (label > MAX_LABEL) throw new StampError(`arithmetic overflow: ${arg}`);
  return { label, nanos: 0 };
}

// runwhen documents `-0500`; "Z", "±HH:MM" and a space for "T" are accepted as well.
const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * The offset is honoured (UTC = local − offset). A fraction is a true decimal fraction
 * (skalibs reads `.5` as 5 ns; we read 0.5 s — documented deviation). An inserted leap second
 * (:60) gets the label of the leap second itself.
 */
function tainFromIso(text: string): Tain | null {
  const m = ISO.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 60) return null;
  let offset = 0;
  const zone = m[8]!;
  if (zone !== "Z") {
    const digits = zone.replace(":", "");
    const oh = Number(digits.slice(1, 3));
    const om = Number(digits.slice(3, 5));
    if (oh > 23 || om > 59) return null;
    offset = (zone[0] === "-" ? -1 : 1) * (oh * 3600 + om * 60);
  }
  const nanos = m[7] ? Number(m[7].padEnd(9, "0")) : 0;
  const leap = second === 60 ? 1 : 0;
  const unix = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + (second - leap) - offset;
  const t = tainFromInstant({ seconds: unix, nanos });
  return leap ? { label: t.label + 1n, nanos } : t;
}
