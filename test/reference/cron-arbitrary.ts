/**
 * Random cron expressions for property tests: 5 or 6 fields of `*`, values, names, ranges,
 * stepped ranges and lists (items may overlap, as Vixie cron allows), and in the day fields
 * everything that decides Vixie's day rule — `*`, `?`, `*\/n`, lists that start with `*` —
 * plus the month-relative forms `L`, `L-n`, `nW`, `LW` (day-of-month) and `nL`, `n#k`
 * (day-of-week). Sometimes an `@` alias.
 */
import { fc } from "@fast-check/vitest";

const num = (min: number, max: number) => fc.integer({ min, max });

const MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const ALIASES = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

function plainItem(min: number, max: number, name?: (v: number) => string): fc.Arbitrary<string> {
  const v = num(min, max).map((n) => (name !== undefined && n % 3 === 0 ? name(n) : String(n)));
  const range = fc.tuple(num(min, max), num(min, max)).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);
  const step = num(1, Math.max(1, Math.ceil((max - min + 1) / 2)));
  return fc.oneof(
    { weight: 3, arbitrary: v },
    { weight: 2, arbitrary: range.map(([a, b]) => `${a}-${b}`) },
    { weight: 1, arbitrary: fc.tuple(range, step).map(([[a, b], s]) => `${a}-${b}/${s}`) },
  );
}

/** `*`, `?`, `*\/n`, a list of items, or a list that starts with `*` (`*,5`: unrestricted for Vixie). */
function field(min: number, max: number, item: fc.Arbitrary<string>, opts: { question?: boolean } = {}): fc.Arbitrary<string> {
  const step = num(1, Math.max(1, Math.ceil((max - min + 1) / 2)));
  const list = fc.array(item, { minLength: 1, maxLength: 3 }).map((xs) => xs.join(","));
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant("*") },
    { weight: opts.question === true ? 1 : 0, arbitrary: fc.constant("?") },
    { weight: 1, arbitrary: step.map((s) => `*/${s}`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom("*", "*/2", "*/3"), list).map(([star, rest]) => `${star},${rest}`) },
    { weight: 5, arbitrary: list },
  );
}

const dayOfMonthItem = fc.oneof(
  { weight: 4, arbitrary: plainItem(1, 31) },
  { weight: 1, arbitrary: fc.constant("L") },
  { weight: 1, arbitrary: num(1, 6).map((n) => `L-${n}`) },
  { weight: 1, arbitrary: num(1, 31).map((n) => `${n}W`) },
  { weight: 1, arbitrary: fc.constant("LW") },
);

const weekday = num(0, 7).map((n) => (n % 2 === 0 ? String(n) : (DAY_NAMES[n % 7] ?? String(n))));
const dayOfWeekItem = fc.oneof(
  { weight: 4, arbitrary: plainItem(0, 7, (v) => DAY_NAMES[v % 7] ?? String(v)) },
  { weight: 1, arbitrary: weekday.map((d) => `${d}L`) },
  { weight: 1, arbitrary: fc.tuple(weekday, num(1, 5)).map(([d, k]) => `${d}#${k}`) },
);

const fieldsArb = fc
  .tuple(
    fc.option(field(0, 59, plainItem(0, 59)), { nil: undefined, freq: 3 }),
    field(0, 59, plainItem(0, 59)),
    field(0, 23, plainItem(0, 23)),
    field(1, 31, dayOfMonthItem, { question: true }),
    field(
      1,
      12,
      plainItem(1, 12, (v) => MONTH_NAMES[v - 1] ?? String(v)),
    ),
    field(0, 7, dayOfWeekItem, { question: true }),
  )
  .map(([sec, ...rest]) => (sec === undefined ? rest : [sec, ...rest]).join(" "));

export const cronArb = fc.oneof({ weight: 30, arbitrary: fieldsArb }, { weight: 1, arbitrary: fc.constantFrom(...ALIASES) });
