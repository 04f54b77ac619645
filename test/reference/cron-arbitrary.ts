/**
 * Random cron expressions for property tests: 5 or 6 fields of `*`, values, names, ranges,
 * stepped ranges and lists (items never overlap), `L` in day-of-month. Day fields never use
 * `*\/n`, so whether the day-of-month/day-of-week OR rule applies is never in doubt.
 */
import { fc } from "@fast-check/vitest";
import { cronFieldTable } from "./cron-rules.js";

const num = (min: number, max: number) => fc.integer({ min, max });

const MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

function cronItem(min: number, max: number, star: boolean, name?: (v: number) => string): fc.Arbitrary<string> {
  const v = num(min, max).map((n) => (name !== undefined && n % 3 === 0 ? name(n) : String(n)));
  const range = fc.tuple(num(min, max), num(min, max)).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);
  const step = num(1, Math.max(1, Math.ceil((max - min + 1) / 2)));
  return fc.oneof(
    v,
    range.map(([a, b]) => `${a}-${b}`),
    fc.tuple(range, step).map(([[a, b], s]) => `${a}-${b}/${s}`),
    ...(star ? [step.map((s) => `*/${s}`)] : []),
  );
}
function cronField(min: number, max: number, opts: { star?: boolean; name?: (v: number) => string; extra?: string } = {}) {
  const item = cronItem(min, max, opts.star ?? true, opts.name);
  // Items of a list do not overlap: the cron library chime builds on rejects duplicate values,
  // which cron-vs-croner.test.ts checks separately.
  const items = fc
    .array(item, { minLength: 1, maxLength: 3 })
    .filter((xs) => disjoint(xs, min, max))
    .map((xs) => xs.join(","));
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant("*") },
    { weight: 4, arbitrary: items },
    ...(opts.extra !== undefined ? [{ weight: 1, arbitrary: fc.constant(opts.extra) }] : []),
  );
}
function disjoint(items: readonly string[], min: number, max: number): boolean {
  const seen = new Set<number>();
  for (const item of items) {
    const table = max === 12 ? cronFieldTable(item, min, max, MONTH_NAMES, 1) : cronFieldTable(item, min, max, DAY_NAMES, 0);
    for (let v = min; v <= max; v++) {
      if (!table[v]) continue;
      const key = max === 7 ? v % 7 : v; // day-of-week 7 is Sunday, as 0
      if (seen.has(key)) return false;
      seen.add(key);
    }
  }
  return true;
}

export const cronArb = fc
  .tuple(
    fc.option(cronField(0, 59), { nil: undefined, freq: 3 }),
    cronField(0, 59),
    cronField(0, 23),
    cronField(1, 31, { star: false, extra: "L" }),
    cronField(1, 12, { name: (v) => MONTH_NAMES[v - 1] ?? String(v) }),
    cronField(0, 7, { star: false, name: (v) => DAY_NAMES[v % 7] ?? String(v) }),
  )
  .map(([sec, ...rest]) => (sec === undefined ? rest : [sec, ...rest]).join(" "));

