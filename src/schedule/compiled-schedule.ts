import type { Instant } from "../time/instant.js";
import { CompiledModel, type MatchModel } from "./model.js";
import { nextInstant } from "./next.js";
import type { Zone } from "./zone.js";

/** A schedule parsed once into an immutable value. */
export interface Schedule {
  readonly text: string;
  readonly language: "runwhen" | "cron";
  /** earliest whole-second instant at or after `after` matching in `zone` */
  next(after: Instant, zone: Zone): Instant;
  describe(): string;
  /**
   * `@reboot`: one run when the service starts, and no time slots — `next` always throws
   * ScheduleRangeError. Absent for every schedule that has slots.
   */
  readonly atStart?: true;
}

export function compileSchedule(text: string, language: Schedule["language"], model: MatchModel): Schedule {
  const compiled = new CompiledModel(model);
  return Object.freeze({
    text,
    language,
    next: (after: Instant, zone: Zone) => nextInstant(compiled, after, zone),
    describe: () => describeModel(text, language, model),
  });
}

function describeModel(text: string, language: Schedule["language"], m: MatchModel): string {
  const list = (allowed: readonly boolean[], from: number) => {
    const values = allowed.flatMap((ok, v) => (ok && v >= from ? [v] : []));
    return values.length === allowed.length - from ? "any" : values.length === 0 ? "none" : values.join(",");
  };
  const year =
    m.year.kind === "any"
      ? "any"
      : m.year.kind === "equals"
        ? String(m.year.value)
        : m.year.kind === "divisible"
          ? `/${m.year.by}`
          : "none";
  const fromEnd = m.daysFromEnd.flatMap((ok, k) => (ok ? [k === 0 ? "last" : `last-${k}`] : []));
  const r = m.relativeDays;
  const nearest = r?.nearestWeekday.flatMap((ok, n) => (ok ? [`${n}W`] : [])) ?? [];
  const dom =
    [list(m.daysOfMonth, 1), ...fromEnd, ...nearest, ...(r?.lastWeekday === true ? ["LW"] : [])].filter((v) => v !== "none").join(",") ||
    "none";
  const lastOf = r?.lastOfWeekday.flatMap((ok, w) => (ok ? [`${w}L`] : [])) ?? [];
  const nth = r?.nthOfWeekday.flatMap((ok, i) => (ok ? [`${i % 7}#${Math.floor(i / 7) + 1}`] : [])) ?? [];
  const dow = [list(m.weekdays, 0), ...lastOf, ...nth].filter((v) => v !== "none").join(",") || "none";
  return (
    `${language} "${text}": year ${year}, month ${list(m.months, 1)}, day ${dom} ${m.dayRule} weekday ${dow}, ` +
    `hour ${list(m.hours, 0)}, minute ${list(m.minutes, 0)}, second ${list(m.seconds, 0)} (local time)`
  );
}
