/**
 * Node fires a setTimeout of more than 2^31-1 ms (24.8 days) after 1 ms, with a warning; a
 * --timeout, a --grace or fsck's limit (six times --timeout) may be longer. This is the one
 * place that knows: every limit chime arms goes through setLongTimeout.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * setTimeout without the 24.8-day ceiling: a longer delay is waited for in pieces. The pieces
 * are counted, not measured against the wall clock, so a clock step (NTP, a suspend) neither
 * stretches nor cuts the delay — Node's timers run on the monotonic clock. A delay that is not
 * a number fires at once, as setTimeout's does; Infinity never fires.
 * Returns the function that cancels it.
 */
export function setLongTimeout(fn: () => void, ms: number): () => void {
  let timer: NodeJS.Timeout;
  const arm = (left: number): void => {
    const piece = Math.min(left, MAX_TIMER_MS);
    timer = setTimeout(() => (left > piece ? arm(left - piece) : fn()), piece);
  };
  arm(Number.isNaN(ms) ? 0 : Math.max(ms, 0));
  return () => clearTimeout(timer);
}

/** Resolves after `ms` (however long), or at once when `signal` aborts. */
export function sleepFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      cancel();
      signal.removeEventListener("abort", done);
      resolve();
    };
    const cancel = setLongTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
