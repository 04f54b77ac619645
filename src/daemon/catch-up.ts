import { parseSchedule, type Schedule, type Zone } from "../schedule/schedule.js";
import { passedSlots } from "./next-wake.js";
import type { RunRecord } from "./run-state.js";
import { isoInZone } from "../schedule/iso-local.js";

/**
 * The catch-up policy: which runs a service missed while it was down. They are counted
 * against what the stopped service had PLANNED — the wake it had announced and persisted, with
 * the schedule and splay offset it was using — never recomputed with the settings of the new
 * start. Otherwise emptying env/CHIME_SPLAY (or editing env/CHIME_WHEN) and `svc -t` made
 * slots that were still ahead in the old plan look missed: a false catch-up run.
 */

/** How the previous incarnation planned its runs, as far as its record tells. */
export interface PreviousPlan {
  readonly schedule: Schedule;
  /** the splay offset its runs carried, ms */
  readonly offsetMs: number;
  /** every slot at or before this second was run, skipped or not yet planned */
  readonly from: number;
  /** the schedule text or the splay offset differs from the current one */
  readonly changed: boolean;
  /** the old schedule's text, when it differs */
  readonly scheduleBefore?: string;
}

export interface CurrentPlan {
  readonly schedule: Schedule;
  readonly offsetMs: number;
}

/**
 * undefined: nothing to go by (no record, or a schedule text this version cannot read).
 * Records written before planned wakes were kept fall back to the last handled slot and
 * today's splay, as they always did.
 */
export function previousPlan(rec: RunRecord, current: CurrentPlan): PreviousPlan | undefined {
  const handled = rec.handledThroughMs === undefined ? undefined : Math.floor(rec.handledThroughMs / 1000);
  const planned = rec.plannedSlotMs === undefined ? undefined : Math.floor(rec.plannedSlotMs / 1000);
  if (handled === undefined && planned === undefined) return undefined;
  // a planned slot was not missed before its time; one already started (killed mid-run)
  // counts as handled
  const from = Math.max(planned !== undefined ? planned - 1 : -Infinity, handled ?? -Infinity);
  let schedule = current.schedule;
  let scheduleBefore: string | undefined;
  if (rec.schedule !== undefined && rec.schedule !== current.schedule.text) {
    try {
      schedule = parseSchedule(rec.schedule);
    } catch {
      return undefined; // a record from a version that wrote something else
    }
    scheduleBefore = rec.schedule;
  }
  const offsetMs = rec.splayOffsetMs ?? current.offsetMs;
  return {
    schedule,
    offsetMs,
    from,
    changed: scheduleBefore !== undefined || offsetMs !== current.offsetMs,
    ...(scheduleBefore ? { scheduleBefore } : {}),
  };
}

/**
 * The old plan's slots after `from` whose run time (slot + the old offset) has passed by
 * `nowMs`: each was a run that should have happened while chime was not running.
 */
export function missedRuns(plan: PreviousPlan, zone: Zone, nowMs: number): { count: number; last: number | undefined } {
  const slotNow = Math.floor((nowMs - plan.offsetMs) / 1000);
  return passedSlots(plan.schedule, zone, plan.from, slotNow + 1);
}

/**
 * A record whose last run started but never ended: the chime before us was killed (kill -9,
 * a crash, a grace period exceeded) during it. Say so once, and close the record, or
 * `chime status` would report that run as going on for ever.
 */
export function closeUnfinishedRun(
  r: RunRecord,
  nowMs: number,
  warn: (fields: Record<string, string | number>, msg: string) => void,
  zone: Zone,
): void {
  if (r.lastStartMs === undefined || (r.lastEndMs !== undefined && r.lastEndMs >= r.lastStartMs)) return;
  warn(
    { started: isoInZone(r.lastStartMs, zone), ...(r.lastReason ? { reason: r.lastReason } : {}), ...(r.pid ? { pid: r.pid } : {}) },
    "the previous run did not finish: chime was stopped during it",
  );
  r.lastEndMs = nowMs;
  r.lastRunEndMs = nowMs;
  r.lastStatus = "unknown";
  r.lastSummary = "did not finish: chime was stopped during the run";
  r.interrupted = true;
}
