/**
 * An independent oracle for runwhen stamps, written from the published leap-second list
 * (IERS Bulletin C; the same 27 insertions skalibs compiles in), not from src/time.
 * label = 2^62 + 10 + unix + leap seconds inserted before that instant.
 */
import { execFileSync } from "node:child_process";
import { requires } from "../support/requires.js";

/** The gate for tests that ask GNU date about a zone other than UTC (it reads /usr/share/zoneinfo). */
export const withDateOracle = requires("GNU date with zoneinfo");

/** The UTC days (YYYY-MM-DD) at whose end a leap second was inserted. */
const LEAP_DAYS = [
  "1972-06-30",
  "1972-12-31",
  "1973-12-31",
  "1974-12-31",
  "1975-12-31",
  "1976-12-31",
  "1977-12-31",
  "1978-12-31",
  "1979-12-31",
  "1981-06-30",
  "1982-06-30",
  "1983-06-30",
  "1985-06-30",
  "1987-12-31",
  "1989-12-31",
  "1990-12-31",
  "1992-06-30",
  "1993-06-30",
  "1994-06-30",
  "1995-12-31",
  "1997-06-30",
  "1998-12-31",
  "2005-12-31",
  "2008-12-31",
  "2012-06-30",
  "2015-06-30",
  "2016-12-31",
];
/** unix second at which each inserted leap second has passed (00:00:00 of the next day). */
const LEAP_AFTER = LEAP_DAYS.map((d) => Date.parse(d + "T00:00:00Z") / 1000 + 86_400);

export function leapsAt(unix: number): number {
  return LEAP_AFTER.filter((t) => unix >= t).length;
}

export function stampHex(unix: number, nanos = 0): string {
  const label = (1n << 62n) + 10n + BigInt(unix) + BigInt(leapsAt(unix));
  return label.toString(16).padStart(16, "0") + nanos.toString(16).padStart(8, "0");
}

/** Decodes an absolute stamp (after 1972) back to unix seconds and nanoseconds. */
export function unixOfStamp(hex: string): { unix: number; nanos: number } {
  if (!/^[0-9a-f]{24}$/.test(hex)) throw new Error(`not a stamp: ${JSON.stringify(hex)}`);
  const tai = Number(BigInt("0x" + hex.slice(0, 16)) - (1n << 62n) - 10n);
  let unix = tai - leapsAt(tai);
  if (leapsAt(unix) !== tai - unix) unix = tai - leapsAt(unix);
  return { unix, nanos: parseInt(hex.slice(16), 16) };
}

/** GNU date as the oracle for civil time: `date -d TEXT +%s` with TZ. */
export function dateToUnix(text: string, tz = "UTC"): number {
  if (tz !== "UTC") withDateOracle.assert();
  return Number(
    execFileSync("date", ["-d", text, "+%s"], { env: { ...process.env, TZ: tz } })
      .toString()
      .trim(),
  );
}

/** GNU date formatting many instants at once as ISO 8601 with a ±HH:MM offset. */
export function isoByDate(unixes: readonly number[], tz: string): string[] {
  if (tz !== "UTC") withDateOracle.assert();
  const input = unixes.map((u) => `@${u}`).join("\n") + "\n";
  return execFileSync("date", ["-f", "-", "+%Y-%m-%dT%H:%M:%S%:z"], { input, env: { ...process.env, TZ: tz } })
    .toString()
    .trim()
    .split("\n");
}
