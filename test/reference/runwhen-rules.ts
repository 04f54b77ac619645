/**
 * runwhen constraints (`,d-3,H=14,M/15`) read as membership tests, from DESIGN.md §4 and
 * reference/runwhen.md §3 — a second, deliberately naive reading for the brute-force reference.
 * Only valid constraint strings are expected here; error cases are tested against src directly.
 */
import { daysInMonth, type WallRules } from "./wall-time-rules.js";

type Unit = "y" | "m" | "d" | "w" | "H" | "M" | "S";
interface Constraint {
  op: "=" | "-" | "/";
  n: number;
}

const CALENDAR_ORDER: readonly Unit[] = ["y", "m", "d", "H", "M", "S"];
const WEEKDAY_ORDER: readonly Unit[] = ["w", "H", "M", "S"];
const MINIMUM: Record<Unit, number> = { y: 0, m: 1, d: 1, w: 0, H: 0, M: 0, S: 0 };

export function runwhenRules(text: string): WallRules {
  if (!/^(,[ymdwHMS][-=/]\d+)*$/.test(text)) throw new Error(`reference: not a runwhen string: ${text}`);
  const given = new Map<Unit, Constraint>();
  for (const m of text.matchAll(/,([ymdwHMS])([-=/])(\d+)/g)) {
    const unit = m[1] as Unit;
    if (given.has(unit)) throw new Error(`reference: duplicate unit in ${text}`);
    given.set(unit, { op: m[2] as Constraint["op"], n: Number(m[3]) });
  }
  const order = given.has("w") ? WEEKDAY_ORDER : CALENDAR_ORDER;
  const first = order.findIndex((u) => given.has(u));

  /** Does `value` satisfy the unit's rule; `max` is the unit's largest value in context. */
  function allows(unit: Unit, value: number, max: number): boolean {
    const c = given.get(unit);
    if (c === undefined) {
      const at = order.indexOf(unit);
      const below = first >= 0 && at > first;
      return below ? value === MINIMUM[unit] : true;
    }
    if (c.n === 0) return value === 0;
    switch (c.op) {
      case "=":
        return value === c.n;
      case "-":
        if (unit === "y") throw new Error("reference: ,y-n has no contextual end");
        return value === max + 1 - c.n;
      case "/":
        return value % c.n === 0;
    }
  }

  const table = (unit: Unit, size: number) => Array.from({ length: size }, (_, v) => allows(unit, v, size - 1));
  return {
    dateMatches: (year, month, day, weekday) =>
      allows("y", year, Infinity) && allows("m", month, 12) && allows("d", day, daysInMonth(year, month)) && allows("w", weekday, 6),
    yearMayMatch: (year) => allows("y", year, Infinity),
    hours: table("H", 24),
    minutes: table("M", 60),
    seconds: table("S", 60),
  };
}
