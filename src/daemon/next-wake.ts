import { badValue } from "../options/bad-value.js";
import type * as Crypto from "node:crypto";
import { ScheduleRangeError, type Schedule, type Zone } from "../schedule/schedule.js";
import { durationWords, formatDurationMs } from "../time/duration-option.js";
import { ceilSeconds, type Instant } from "../time/instant.js";
import { ConfigError } from "./build-job.js";
import type { ScheduledJob } from "./scheduled-job.js";

/**
 * The daemon's wake rule: the first match at or after max(previous wake + 1 s, now) — the
 * `rw-add n d1S now1s rw-match $now1s …` idiom of a runwhen run script, without the restart.
 * `prevWake` is undefined before the first run. All values are in "slot time": the wall clock
 * minus this job's splay, so the schedule is matched as written and the run happens later.
 */
export function nextWake(schedule: Schedule, zone: Zone, prevWake: number | undefined, slotNow: Instant): number {
  const nowSec = ceilSeconds(slotNow);
  const after = prevWake === undefined ? nowSec : Math.max(prevWake + 1, nowSec);
  return schedule.next({ seconds: after, nanos: 0 }, zone).seconds;
}

/** Counting stops here: an every-second schedule over a week-long run must not spin. */
export const MAX_COUNTED_SLOTS = 10_000;

/** a slot count for the log: counting stops at MAX_COUNTED_SLOTS, say "at least" then */
export function slotCountText(n: number): number | string {
  return n >= MAX_COUNTED_SLOTS ? `${n}+` : n;
}

/**
 * Matches m with from < m < until (seconds), and the last of them: the slots that passed while
 * the previous run was still going (or while the process was down). `count` stops at
 * MAX_COUNTED_SLOTS; `last` is then the last one counted.
 */
export function passedSlots(schedule: Schedule, zone: Zone, from: number, until: number): { count: number; last: number | undefined } {
  let count = 0;
  let last: number | undefined;
  // a schedule that matches no more (or never: @reboot) has no slot to pass
  const after = (s: number) => {
    try {
      return schedule.next({ seconds: s, nanos: 0 }, zone).seconds;
    } catch (e) {
      if (e instanceof ScheduleRangeError) return Infinity;
      throw e;
    }
  };
  let m = after(from + 1);
  while (m < until && count < MAX_COUNTED_SLOTS) {
    count++;
    last = m;
    m = after(m + 1);
  }
  return { count, last };
}

/**
 * --splay: a stable delay in [0, splayMs) from a hash of host name and job tag. Stable so that
 * a host always runs at the same offset (its logs stay comparable day to day); spread so that
 * a fleet does not hit GitHub or the NTP pool in the same second.
 */
export function splayOffsetMs(hostname: string, tag: string, splayMs: number): number {
  if (splayMs <= 0) return 0;
  const { createHash } = process.getBuiltinModule("node:crypto") as typeof Crypto;
  const h = createHash("sha256").update(`${hostname}\0${tag}`).digest();
  return h.readUIntBE(0, 6) % Math.floor(splayMs);
}

/** matches looked at for the shortest interval: enough for every pattern within a day/week */
const INTERVAL_SAMPLES = 200;

/**
 * The shortest time between two consecutive matches among the next INTERVAL_SAMPLES after
 * `from`, in seconds; undefined when fewer than two matches are left.
 */
export function shortestInterval(schedule: Schedule, zone: Zone, from: number): number | undefined {
  let shortest: number | undefined;
  let prev: number | undefined;
  let at = from;
  for (let i = 0; i < INTERVAL_SAMPLES; i++) {
    let m: number;
    try {
      m = schedule.next({ seconds: at, nanos: 0 }, zone).seconds;
    } catch (e) {
      if (e instanceof ScheduleRangeError) break;
      throw e;
    }
    if (prev !== undefined) shortest = Math.min(shortest ?? Infinity, m - prev);
    if (shortest === 1) break;
    prev = m;
    at = m + 1;
  }
  return shortest;
}

/**
 * A splay at least as long as the schedule's shortest interval is a configuration error (exit
 * 100, and install-service refuses it too), not something to clamp: each run would start
 * after one or more later slots were already due, so its `slot=` lies minutes in the past and
 * runs drift into each other's periods. The operator picks a shorter splay or a sparser
 * schedule, knowingly.
 */
export function requireSplayShorterThanInterval(jobs: readonly ScheduledJob[], zone: Zone, now: Instant): void {
  for (const sj of jobs) {
    const why = splayTooLong(sj.schedule, sj.splayMs, sj.zone ?? zone, now);
    if (why === undefined) continue;
    throw new ConfigError(
      badValue(sj.splaySource ?? `the splay of ${sj.tag}`, `${why} (${sj.whenSource ?? "schedule"})`, durationWords(sj.splayMs)),
    );
  }
}

/** Why `splayMs` is too long for `schedule`, or undefined when it is not. */
export function splayTooLong(schedule: Schedule, splayMs: number, zone: Zone, now: Instant): string | undefined {
  if (splayMs <= 0) return undefined;
  const interval = shortestInterval(schedule, zone, ceilSeconds(now));
  if (interval === undefined || splayMs < interval * 1000) return undefined;
  return `not shorter than the ${formatDurationMs(interval * 1000)} between runs of ${JSON.stringify(schedule.text)}: each run would start after later slots were due`;
}

/** wall ms of the first scheduled run after slot `base`, splay included; undefined when there is none */
export function nextRunAfterMs(schedule: Schedule, zone: Zone, base: number, splayMs: number): number | undefined {
  try {
    return nextWake(schedule, zone, base, { seconds: base + 1, nanos: 0 }) * 1000 + splayMs;
  } catch {
    return undefined;
  }
}
