import type { Logger } from "pino";
import { missedRuns, type PreviousPlan } from "./catch-up.js";
import { clockMovedBack } from "./clock-watchdog.js";
import { slotCountText } from "./next-wake.js";
import type { RunRecordKeeper } from "./run-record-keeper.js";
import { isoInZone } from "../schedule/iso-local.js";
import type { Zone } from "../schedule/zone.js";
import { ceilSeconds, type Instant } from "../time/instant.js";

/** What the catch-up run needs from the job's loop (job-loop.ts). */
export interface CatchUpLoop {
  readonly log: Logger;
  readonly scheduleText: string;
  readonly zone: Zone;
  readonly splayMs: number;
  readonly book: RunRecordKeeper;
  /** wall-clock ms now */
  nowMs(): number;
  /** now, moved back by the splay: the schedule is matched as written */
  slotNow(): Instant;
  /** false when chime stopped or the job was retired meanwhile */
  waitUntil(ms: number): Promise<boolean>;
  /** tells the start gate (--max-concurrent) this loop has arrived */
  arrive(): void;
  runOnce(reason: string, slot: number, gatedAtMs: number): Promise<void>;
  /** counts the slots passed since `prev` as skipped; returns the new previous wake */
  accountSkipped(prev: number): number;
}

/**
 * At start: one catch-up run if the stopped service missed runs it had planned (catch-up.ts),
 * never a burst. When the schedule or the splay changed meanwhile, the new plan starts from
 * now (a new-plan slot before the restart was not missed: the old plan was in force).
 * Returns the new previous wake.
 */
export async function catchUpOnce(loop: CatchUpLoop, plan: PreviousPlan, prev: number | undefined): Promise<number | undefined> {
  const { log, zone, splayMs, book } = loop;
  if (plan.scheduleBefore !== undefined)
    log.info({ was: plan.scheduleBefore, when: loop.scheduleText }, "schedule changed since the last run");
  if (clockMovedBack(plan.from, loop.slotNow().seconds)) return prev; // the loop's trustPrev has said it
  const fromNow = ceilSeconds(loop.slotNow()) - 1;
  const missed = missedRuns(plan, zone, loop.nowMs());
  if (missed.last !== undefined) {
    const by = { ...(plan.scheduleBefore ? { by: plan.scheduleBefore } : {}), ...(splayMs ? { splay_s: splayMs / 1000 } : {}) };
    log.info(
      { missed: slotCountText(missed.count), since: isoInZone(plan.from * 1000, zone), ...by },
      "missed runs while chime was not running; catching up once",
    );
    // the splay spreads catch-ups as it spreads runs: a fleet back from a power cut does not
    // catch up in the same second
    if (splayMs > 0) loop.arrive(); // joins the queue later than the others, by its splay
    if (!(await loop.waitUntil(loop.nowMs() + splayMs))) return prev;
    book.countCatchUp(missed.count);
    await loop.runOnce("catch-up", missed.last, missed.last * 1000 + plan.offsetMs);
  }
  if (!plan.changed) return missed.last === undefined ? prev : loop.accountSkipped(missed.last);
  book.handle(loop.accountSkipped(fromNow));
  return book.handledThrough;
}
