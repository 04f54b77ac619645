import { instantFromMs, type Instant } from "../time/instant.js";

/** The wall clock, injectable so tests can step it. */
export interface Clock {
  now(): Instant;
}

/**
 * Date.now(), not performance.now(): schedules are wall-clock times, so an NTP step or a resume
 * from suspend must be seen. Reading Date.now() at each call (not caching it) also lets vitest's
 * fake timers and vi.setSystemTime drive this clock in tests.
 */
export const systemClock: Clock = {
  now: () => instantFromMs(Date.now()),
};
