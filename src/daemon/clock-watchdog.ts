import { RECHECK_MS } from "../sleep/sleep-until.js";

/**
 * A job's last handled slot is normally in the past. More than this (seconds) in the future
 * means the clock was moved back that far (a host that booted with its clock years ahead, then
 * NTP fixed it): "at or after previous wake + 1 s" would stall the job until then. Smaller
 * steps back keep the rule (a slot never runs twice).
 */
export const CLOCK_BACK_LIMIT_S = 86_400;

/** the clock now reads so far behind `slot` that it must have been moved back */
export function clockMovedBack(slot: number, nowSeconds: number): boolean {
  return slot > nowSeconds + CLOCK_BACK_LIMIT_S;
}

/**
 * While a job sleeps towards its next wake: calls `onStepBack` when the clock moves back beyond
 * the limit behind `lastSlot`. The sleep itself only waits longer when the clock moves back,
 * so without this a big step back would hold the job for as long as the step. Returns the
 * function that ends the watch.
 */
export function watchClockBack(lastSlot: number | undefined, nowSeconds: () => number, onStepBack: () => void): () => void {
  if (lastSlot === undefined) return () => {};
  const watch = setInterval(() => {
    if (clockMovedBack(lastSlot, nowSeconds())) onStepBack();
  }, RECHECK_MS);
  watch.unref?.();
  return () => clearInterval(watch);
}
