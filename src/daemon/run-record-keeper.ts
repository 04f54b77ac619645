import type { Logger } from "pino";
import type { Zone } from "../schedule/zone.js";
import { closeUnfinishedRun, type CurrentPlan, type PreviousPlan, previousPlan } from "./catch-up.js";
import { fsErrorFields, type RunRecord, type StateStore } from "./run-state.js";

/**
 * A job loop's account of its job in the run record (run-state.ts): which slots are handled,
 * the run it plans next, how many runs it made; saved whenever a restart or `chime status`
 * must see the change. The loop speaks in slots (unix seconds of the schedule); this module
 * alone knows how the record stores them.
 */
export class RunRecordKeeper {
  record: RunRecord;
  /** the current run has been counted (its first attempt that ran has ended) */
  private counted = false;
  /** a run has started and its end is not yet in the record */
  private runOpen = false;

  constructor(
    private readonly tag: string,
    private readonly store: StateStore,
    private readonly log: Logger,
  ) {
    this.record = { job: tag };
  }

  /**
   * Takes over the record: `carried` from the loop this one replaces (HUP), else the one on
   * disk, whose unfinished run is closed. Returns how the previous incarnation planned its
   * runs (catch-up.ts); undefined for a carried record, which missed nothing.
   */
  async open(carried: (() => RunRecord) | undefined, current: CurrentPlan, nowMs: number, zone: Zone): Promise<PreviousPlan | undefined> {
    let before: PreviousPlan | undefined;
    if (carried) this.record = { ...carried() };
    else {
      this.record = await this.store.load(this.tag, (msg, fields) => this.log.warn(fields, msg));
      closeUnfinishedRun(this.record, nowMs, (fields, msg) => this.log.warn(fields, msg), zone);
      before = previousPlan(this.record, current);
    }
    this.record = { ...this.record, job: this.tag, schedule: current.schedule.text, pid: process.pid };
    return before;
  }

  /** every slot at or before this one has been run or skipped */
  get handledThrough(): number | undefined {
    const ms = this.record.handledThroughMs;
    return ms === undefined ? undefined : Math.floor(ms / 1000);
  }

  /** slots up to `slot` are handled; never moves back */
  handle(slot: number): void {
    this.record.handledThroughMs = Math.max(this.record.handledThroughMs ?? slot * 1000, slot * 1000);
  }

  /** `count` slots passed while a run was still going or the clock jumped: skipped, not queued */
  countSkipped(count: number): void {
    this.record.skippedSlots = (this.record.skippedSlots ?? 0) + count;
  }

  /** one catch-up run at start stands for `missed` slots missed while chime was not running */
  countCatchUp(missed: number): void {
    this.record.catchUps = (this.record.catchUps ?? 0) + 1;
    this.record.missedSlots = (this.record.missedSlots ?? 0) + missed;
  }

  /** the clock was moved back beyond the last handled slot: the job schedules from now */
  forgetHandled(): void {
    delete this.record.handledThroughMs;
  }

  /** the next run is planned at `runAtMs` (wall clock, splay included) */
  async plan(runAtMs: number, splayMs: number): Promise<void> {
    this.record.nextRunAtMs = Math.round(runAtMs);
    this.record.plannedSlotMs = Math.round((runAtMs - splayMs) / 1000) * 1000;
    this.record.splayOffsetMs = splayMs;
    await this.save();
  }

  /** no run is planned (a schedule that runs only at start) */
  async planNone(): Promise<void> {
    delete this.record.nextRunAtMs;
    delete this.record.plannedSlotMs;
    await this.save();
  }

  /** a run (one or more attempts) begins */
  runStarted(): void {
    this.counted = false;
    this.runOpen = true;
  }

  /**
   * Attempt `n` of the current run ran to a result, in the record but not yet saved: the run
   * counts once, with its attempts so far; `last`: no retry can follow, the run ends with it.
   */
  attemptEnded(n: number, last: boolean): void {
    if (!this.counted) this.record.runs = (this.record.runs ?? 0) + 1;
    this.counted = true;
    this.record.lastAttempts = n;
    if (last) this.closeRun();
  }

  /**
   * The run is over after `attempts` started attempts. A retry that was not made (the next slot
   * comes first, chime is stopping) ends the run here, with its last attempt's end.
   */
  async runEnded(attempts: number): Promise<void> {
    if (!this.runOpen) return;
    if (attempts === 0) {
      this.runOpen = false;
      return;
    }
    this.closeRun();
    await this.save();
  }

  private closeRun(): void {
    this.runOpen = false;
    if (this.record.lastEndMs !== undefined) this.record.lastRunEndMs = this.record.lastEndMs;
  }

  /** never throws: a full disk costs the record, not the job */
  async save(): Promise<void> {
    try {
      await this.store.save(this.tag, this.record);
    } catch (e) {
      this.log.warn(fsErrorFields(e), "unable to write state file");
    }
  }
}
