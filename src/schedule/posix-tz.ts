import { civilFromDays, daysFromCivil, daysInMonth, isLeapYear, weekdayOfDays } from "../time/civil.js";

/**
 * POSIX TZ rule strings (`TZ=CET-1CEST,M3.5.0,M10.5.0/3`, `TZ=JST-9`, `TZ=<+0330>-3:30`), which
 * libc — and so runwhen — reads when TZ names no zone file. Embedded systems (OpenWrt, BusyBox)
 * set TZ this way. Grammar (POSIX.1-2024 §8.3, glibc's extensions in brackets):
 *   std offset [dst [offset] [,start[/time],end[/time]]]
 *   name: 3+ letters, or <…> of letters, digits, + and -;  offset/time: [+-]hh[:mm[:ss]]
 *   date: Jn (1–365, 29 February never counted) | n (0–365) | Mm.w.d (week 5 = the last)
 * Offsets count west of UTC (CET-1 is one hour east); a dst without an offset is one hour ahead of
 * std; a dst without rules takes glibc's default, the US rules M3.2.0,M11.1.0; times default to 02:00.
 */
export interface PosixZone {
  /** seconds east of UTC */
  readonly std: number;
  readonly dst: { readonly offset: number; readonly start: TransitionRule; readonly end: TransitionRule } | null;
}

type DateRule =
  | { readonly kind: "julian"; readonly day: number }
  | { readonly kind: "zeroBased"; readonly day: number }
  | { readonly kind: "monthWeek"; readonly month: number; readonly week: number; readonly weekday: number };

interface TransitionRule {
  readonly date: DateRule;
  /** local seconds after midnight (may be negative or past 24 h) */
  readonly time: number;
}

const NAME = /^(?:[A-Za-z]{3,}|<[A-Za-z0-9+-]{3,}>)/;
const TIME = /^([+-]?)(\d{1,3})(?::(\d{1,2})(?::(\d{1,2}))?)?/;

/** The zone a POSIX TZ string describes, or null if it is not one. */
export function parsePosixTz(text: string): PosixZone | null {
  let rest = text;
  const take = (re: RegExp): RegExpExecArray | null => {
    const m = re.exec(rest);
    if (m) rest = rest.slice(m[0].length);
    return m;
  };
  const time = (maxHours: number): number | null => {
    const m = take(TIME);
    if (!m) return null;
    const [h, mi, s] = [Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0)];
    if (h > maxHours || mi > 59 || s > 59) return null;
    return (m[1] === "-" ? -1 : 1) * (h * 3600 + mi * 60 + s);
  };
  if (!take(NAME)) return null;
  const stdWest = time(24);
  if (stdWest === null) return null;
  if (rest === "") return { std: -stdWest, dst: null };
  if (!take(NAME)) return null;
  let dstWest = stdWest - 3600;
  if (rest !== "" && rest[0] !== ",") {
    const t = time(24);
    if (t === null) return null;
    dstWest = t;
  }
  if (rest === "") rest = ",M3.2.0,M11.1.0";
  const start = take(/^,/) ? transition() : null;
  const end = start && take(/^,/) ? transition() : null;
  if (!start || !end || rest !== "") return null;
  return { std: -stdWest, dst: { offset: -dstWest, start, end } };

  function transition(): TransitionRule | null {
    const date = dateRule();
    if (date === null) return null;
    let at = 7200;
    if (take(/^\//)) {
      const t = time(167);
      if (t === null) return null;
      at = t;
    }
    return { date, time: at };
  }

  function dateRule(): DateRule | null {
    const julian = take(/^J(\d{1,3})/);
    if (julian) {
      const day = Number(julian[1]);
      return day < 1 || day > 365 ? null : { kind: "julian", day };
    }
    const monthWeek = take(/^M(\d{1,2})\.(\d)\.(\d)/);
    if (monthWeek) {
      const [month, week, weekday] = [Number(monthWeek[1]), Number(monthWeek[2]), Number(monthWeek[3])];
      return month < 1 || month > 12 || week < 1 || week > 5 || weekday > 6 ? null : { kind: "monthWeek", month, week, weekday };
    }
    const zeroBased = take(/^(\d{1,3})/);
    if (zeroBased) {
      const day = Number(zeroBased[1]);
      return day > 365 ? null : { kind: "zeroBased", day };
    }
    return null;
  }
}

/** The day number (days since 1970-01-01) a date rule names in `year`. */
function dayOf(rule: DateRule, year: number): number {
  const jan1 = daysFromCivil(year, 1, 1);
  switch (rule.kind) {
    case "julian":
      return jan1 + rule.day - 1 + (isLeapYear(year) && rule.day >= 60 ? 1 : 0);
    case "zeroBased":
      return jan1 + rule.day;
    case "monthWeek": {
      const first = daysFromCivil(year, rule.month, 1);
      let day = first + ((rule.weekday - weekdayOfDays(first) + 7) % 7) + 7 * (rule.week - 1);
      while (day >= first + daysInMonth(year, rule.month)) day -= 7;
      return day;
    }
  }
}

/** Seconds east of UTC at the instant `unix`. */
export function posixOffsetAt(zone: PosixZone, unix: number): number {
  const { dst } = zone;
  if (!dst) return zone.std;
  const year = civilFromDays(Math.floor((unix + zone.std) / 86400)).year;
  // The start is read on the standard-time clock, the end on the daylight-time clock.
  const start = dayOf(dst.start.date, year) * 86400 + dst.start.time - zone.std;
  const end = dayOf(dst.end.date, year) * 86400 + dst.end.time - dst.offset;
  const inDst = start < end ? unix >= start && unix < end : !(unix >= end && unix < start);
  return inDst ? dst.offset : zone.std;
}
