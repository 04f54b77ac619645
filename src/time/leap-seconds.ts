/**
 * The one leap-second table (IERS Bulletin C): the POSIX instants at which TAI−UTC grew by one
 * second, i.e. the first second after each inserted 23:59:60. Before 1972-07-01 TAI−UTC is taken
 * as 10 s, as skalibs and runwhen do. When the IERS announces a new leap second, add it here
 * (and to the test's independent copy).
 */
const LEAP_SECOND_INSERTIONS: readonly number[] = [
  78796800, // 1972-07-01
  94694400, // 1973-01-01
  126230400, // 1974-01-01
  157766400, // 1975-01-01
  189302400, // 1976-01-01
  220924800, // 1977-01-01
  252460800, // 1978-01-01
  283996800, // 1979-01-01
  315532800, // 1980-01-01
  362793600, // 1981-07-01
  394329600, // 1982-07-01
  425865600, // 1983-07-01
  489024000, // 1985-07-01
  567993600, // 1988-01-01
  631152000, // 1990-01-01
  662688000, // 1991-01-01
  709948800, // 1992-07-01
  741484800, // 1993-07-01
  773020800, // 1994-07-01
  820454400, // 1996-01-01
  867715200, // 1997-07-01
  915148800, // 1999-01-01
  1136073600, // 2006-01-01
  1230768000, // 2009-01-01
  1341100800, // 2012-07-01
  1435708800, // 2015-07-01
  1483228800, // 2017-01-01
];

/** Leap seconds inserted at or before the POSIX instant `unix` (0 … 27). */
export function leapSecondsAt(unix: number): number {
  let n = 0;
  for (const t of LEAP_SECOND_INSERTIONS) {
    if (unix >= t) n++;
    else break;
  }
  return n;
}

/**
 * The POSIX second for "TAI seconds − 10" (x = unix + leaps). An inserted leap second has no
 * POSIX name; it maps to the 23:59:59 before it, as the system clock shows it.
 */
export function unixFromTaiMinus10(x: number): number {
  for (let i = LEAP_SECOND_INSERTIONS.length - 1; i >= 0; i--) {
    const t = LEAP_SECOND_INSERTIONS[i]!;
    const k = i + 1;
    if (x >= t + k) return x - k;
    if (x === t + k - 1) return t - 1;
  }
  return x;
}
