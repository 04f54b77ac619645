import type { Instant } from "../time/instant.js";
import { systemClock, type Clock } from "./clock.js";

export type SleepOutcome = "due" | "woken" | "aborted";

export interface SleepOptions {
  clock?: Clock | undefined;
  /** Cancels the sleep: resolves "aborted". */
  signal?: AbortSignal | undefined;
  /** Ends the sleep early (SIGALRM, `svc -a`): resolves "woken". Already aborted ⇒ at once. */
  wake?: AbortSignal | undefined;
}

/**
 * Never trust one timer for longer than this. Three reasons, all about the wall clock:
 * JS timers cap at 2^31-1 ms (~24.8 days; beyond that Node fires after 1 ms), timers run on the
 * monotonic clock so an NTP step or a suspend/resume shifts the wall time we actually want, and
 * a clock stepped forward past the target should be noticed soon. Each chunk ends with a fresh
 * reading of the wall clock; the last chunk is the exact remainder. (croner uses 30 s, snooze
 * 300 s; 60 s bounds the lateness after a forward step at one minute for one wake-up a minute.)
 */
export const RECHECK_MS = 60_000;

/** A target this far away is "never": only wake or signal ends the sleep (rw-sleep -). */
export const FOREVER: Instant = { seconds: Number.POSITIVE_INFINITY, nanos: 0 };

function msUntil(target: Instant, now: Instant): number {
  return (target.seconds - now.seconds) * 1000 + (target.nanos - now.nanos) / 1e6;
}

/**
 * Sleeps until the WALL clock reaches target; re-checks the clock at least every RECHECK_MS,
 * so timer limits, NTP steps and suspend are handled. `wake` ends it early with "woken";
 * `signal` cancels with "aborted" (checked first). A target at or before now returns "due" at once.
 * The timer is deliberately not unref'd: a sleeping rw-sleep or daemon must stay alive.
 */
export function sleepUntil(target: Instant, opts: SleepOptions = {}): Promise<SleepOutcome> {
  const clock = opts.clock ?? systemClock;
  const { signal, wake } = opts;
  if (signal?.aborted) return Promise.resolve("aborted");
  if (wake?.aborted) return Promise.resolve("woken");
  if (msUntil(target, clock.now()) <= 0) return Promise.resolve("due");

  return new Promise<SleepOutcome>((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (outcome: SleepOutcome): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      wake?.removeEventListener("abort", onWake);
      resolve(outcome);
    };
    const onAbort = (): void => finish("aborted");
    const onWake = (): void => finish("woken");
    const check = (): void => {
      const left = msUntil(target, clock.now());
      if (left <= 0) {
        finish("due");
        return;
      }
      // Timers may fire up to a millisecond early against Date.now() (libuv's cached loop
      // time), so round up and simply re-check: an early firing costs one more short timer.
      timer = setTimeout(check, Math.min(Math.ceil(left), RECHECK_MS));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    wake?.addEventListener("abort", onWake, { once: true });
    check();
  });
}
