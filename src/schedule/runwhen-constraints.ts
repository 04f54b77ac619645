import { ScheduleError } from "./errors.js";
import { allowAll, allowOnly, type MatchModel, type YearRule } from "./model.js";

/**
 * runwhen's constraint language (`,d-3,H=14,M/15`), compiled to the shared model.
 * Normalisation follows runwhen (reference/runwhen.md §3.1):
 * - n = 0 with any operator means `=0` (so `-0` ≡ `=0`, not "one past the end");
 * - `-n` is the n-th value from the unit's contextual end (`,d-1` = last day of the month);
 * - a stored value past the unit's absolute maximum: `/n` on a 0-based unit (w H M S) can only
 *   be met by 0, so it becomes `=0`; anything else is "value out of range";
 * - unconstrained units above the first constrained one are free, those below it take their
 *   minimum (`,H=14` = 14:00:00 daily).
 */

type Op = "=" | "-" | "/";
interface Constraint {
  readonly unit: UnitLetter;
  readonly op: Op;
  readonly n: number;
  readonly text: string;
}
type UnitLetter = "y" | "m" | "d" | "w" | "H" | "M" | "S";

interface UnitInfo {
  readonly min: number;
  /** absolute maximum; Infinity for years */
  readonly max: number;
}
const UNITS: Readonly<Record<UnitLetter, UnitInfo>> = {
  y: { min: 0, max: Infinity },
  m: { min: 1, max: 12 },
  d: { min: 1, max: 31 },
  w: { min: 0, max: 6 },
  H: { min: 0, max: 23 },
  M: { min: 0, max: 59 },
  S: { min: 0, max: 59 },
};
const CALENDAR_ORDER: readonly UnitLetter[] = ["y", "m", "d", "H", "M", "S"];
const WEEKDAY_ORDER: readonly UnitLetter[] = ["w", "H", "M", "S"];

/** A unit's effective rule after normalisation. */
type Rule = { kind: "any" } | { kind: "equals"; value: number } | { kind: "fromEnd"; offset: number } | { kind: "divisible"; by: number };

function parseConstraints(text: string): Constraint[] {
  const out: Constraint[] = [];
  let i = 0;
  const expected = (what: string): never => {
    throw new ScheduleError(`malformed constraints: expected ${what} at position ${i + 1}: ${text}`);
  };
  while (i < text.length) {
    const start = i;
    if (text[i] !== ",") expected('","');
    i++;
    const unit = text[i];
    if (unit === undefined || !Object.hasOwn(UNITS, unit)) expected('"y", "m", "d", "w", "H", "M" or "S"');
    i++;
    const op = text[i];
    if (op !== "=" && op !== "-" && op !== "/") expected('"=", "-" or "/"');
    i++;
    const digits = /^[0-9]+/.exec(text.slice(i));
    if (!digits) expected("a number");
    i += digits![0].length;
    out.push({ unit: unit as UnitLetter, op: op as Op, n: Number(digits![0]), text: text.slice(start, i) });
  }
  return out;
}

function normalise(c: Constraint): Rule {
  const { min, max } = UNITS[c.unit];
  const outOfRange = () => new ScheduleError(`value out of range for unit: ${c.text}`);
  if (c.n === 0) {
    if (min > 0) throw outOfRange();
    return { kind: "equals", value: 0 };
  }
  switch (c.op) {
    case "=":
      if (c.n < min || c.n > max) throw outOfRange();
      return { kind: "equals", value: c.n };
    case "-":
      if (c.n - 1 > max) throw outOfRange();
      return { kind: "fromEnd", offset: c.n - 1 };
    case "/":
      if (c.n > max) {
        if (min === 0) return { kind: "equals", value: 0 };
        throw outOfRange();
      }
      return { kind: "divisible", by: c.n };
  }
}

export function constraintsToModel(text: string): MatchModel {
  const constraints = parseConstraints(text);
  const rules = new Map<UnitLetter, Rule>();
  for (const c of constraints) {
    if (rules.has(c.unit)) throw new ScheduleError(`duplicate constraint for unit: ${c.text}`);
    rules.set(c.unit, normalise(c));
  }
  const weekdayMode = rules.has("w");
  if (weekdayMode && (rules.has("y") || rules.has("m") || rules.has("d"))) {
    const culprit = constraints.find((c) => c.unit === "w")!;
    throw new ScheduleError(`malformed constraints: w cannot be combined with y, m or d: ${culprit.text}`);
  }
  const order = weekdayMode ? WEEKDAY_ORDER : CALENDAR_ORDER;
  const first = order.findIndex((u) => rules.has(u));
  const ruleOf = (u: UnitLetter): Rule =>
    rules.get(u) ?? (first >= 0 && order.indexOf(u) > first ? { kind: "equals", value: UNITS[u].min } : { kind: "any" });

  return {
    year: yearRule(ruleOf("y")),
    months: allowed(ruleOf("m"), 13, 1, 12),
    daysOfMonth: ruleOf("d").kind === "fromEnd" ? allowOnly(32, []) : allowed(ruleOf("d"), 32, 1, 31),
    daysFromEnd: daysFromEnd(ruleOf("d")),
    weekdays: weekdayMode ? allowed(ruleOf("w"), 7, 0, 6) : allowAll(7),
    dayRule: "and",
    hours: allowed(ruleOf("H"), 24, 0, 23),
    minutes: allowed(ruleOf("M"), 60, 0, 59),
    seconds: allowed(ruleOf("S"), 60, 0, 59),
  };
}

function yearRule(r: Rule): YearRule {
  switch (r.kind) {
    case "any":
      return { kind: "any" };
    case "equals":
      return { kind: "equals", value: r.value };
    case "divisible":
      return { kind: "divisible", by: r.by };
    case "fromEnd":
      return { kind: "never" }; // years have no end to count from
  }
}

/** Allowed values of a unit with a fixed range [min, max]; `-n` counts from max. */
function allowed(r: Rule, size: number, min: number, max: number): boolean[] {
  switch (r.kind) {
    case "any":
      return allowAll(size, min);
    case "equals":
      return allowOnly(size, [r.value]);
    case "fromEnd":
      return allowOnly(size, [max - r.offset]);
    case "divisible": {
      const values: number[] = [];
      for (let v = min; v <= max; v++) if (v % r.by === 0) values.push(v);
      return allowOnly(size, values);
    }
  }
}

function daysFromEnd(r: Rule): boolean[] {
  return r.kind === "fromEnd" ? allowOnly(32, [r.offset]) : allowOnly(32, []);
}
