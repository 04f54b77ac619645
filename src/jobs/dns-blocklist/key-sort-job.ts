import type { SortArrays } from "./key-sort.js";

/**
 * What the sort hands its helper thread, and the states of the job's signal (one Int32 on shared
 * memory): the caller sets IDLE and posts the job; the thread moves it IDLE → STARTED → DONE or
 * FAILED; a caller that gave up waiting for the thread to begin moves it IDLE → TAKEN_BACK, and
 * the thread then leaves the job alone. The moves out of IDLE are compare-and-exchange, so only
 * one side ever sorts the job's buckets.
 */
export interface SortJob {
  readonly arrays: SortArrays;
  /** (lo, hi, depth) triples */
  readonly buckets: readonly number[];
  readonly signal: Int32Array;
}

export const IDLE = 0;
export const STARTED = 1;
export const DONE = 2;
export const FAILED = 3;
export const TAKEN_BACK = 4;
