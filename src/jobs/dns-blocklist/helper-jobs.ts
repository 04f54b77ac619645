import type { SortWork } from "./key-sort.js";
import type { TableArrays } from "./name-table.js";
import type { LineGroup } from "./unbound-include.js";

/**
 * What a run hands its helper thread (helper-thread.ts starts it, helper-thread-program.ts is
 * what it runs). Arrays are on shared memory, so they are seen, not copied.
 *
 * A sort's part and a parse's part are waited for synchronously (both callers are synchronous),
 * through the job's signal, one Int32 that holds the job's `ticket` plus its state: the caller
 * sets IDLE and posts the job; the thread moves it IDLE → STARTED → DONE or FAILED; a caller
 * that gave up waiting for the thread to begin moves it IDLE → TAKEN_BACK, and the thread then
 * leaves the job alone. The moves out of IDLE are compare-and-exchange, so only one side ever
 * does the job; the ticket is new for each job, so a job taken back, still waiting in the
 * thread's queue when the next is posted, cannot be taken for the next.
 */
export interface Signalled {
  readonly signal: Int32Array;
  /** a multiple of TICKET_STEP, new for each job */
  readonly ticket: number;
}

export type SortJob = SortWork & Signalled;

/**
 * Reading the common lines (common-lines.ts) of `input[from, to)`, the second part of a piece
 * of a list, into `table`, a table of its own with no entries yet and room enough (it must not
 * grow: the caller would not see new arrays). Answered in `read`, at the slots of READ.
 */
export interface ParseJob extends Signalled {
  readonly kind: "parse";
  readonly input: Uint8Array;
  readonly from: number;
  readonly to: number;
  readonly table: TableArrays;
  readonly read: Int32Array;
}

/** Writing lines of names into a file another thread created: answered by a message (LinesDone). */
export interface LinesJob {
  readonly kind: "lines";
  readonly table: TableArrays;
  readonly groups: readonly LineGroup[];
  readonly path: string;
  readonly position: number;
}

/**
 * Making the pages of shared memory this thread is about to write resident, so that the cost of
 * their first touch is the helper's: each view's pages get an atomic or with 0 (a write that
 * changes nothing, whoever writes there meanwhile). Done only while the thread has nothing else
 * to do: it stops as soon as `signal` moves on from `ticket` (a new job was handed). Answered by
 * nothing.
 */
export interface TouchJob extends Signalled {
  readonly kind: "touch";
  readonly views: readonly Uint8Array[];
}

/** ParseJob's answer: where it stopped (from `from`), lines, names, entries and bytes used. */
export const READ = { stoppedAt: 0, lines: 1, names: 2, entries: 3, bytesUsed: 4, slots: 5 } as const;

export type LinesDone = { readonly bytes: number; readonly skipped: number } | { readonly error: string };

export type HelperJob = SortJob | LinesJob | ParseJob | TouchJob;

/** Memory for `size` bytes: shared, for the helper thread to see, or this thread's own. */
export function memoryFor(size: number, shared: boolean): ArrayBufferLike {
  return shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size);
}

/**
 * The shape of these messages, as both sides were built with it: the thread's program is read
 * from disk for each run, so a service upgraded in place and not yet restarted could start a
 * newer program than it speaks to. A program of another PROTOCOL ends at once (the run then
 * does everything on one thread). Raise it with any change to the jobs' shapes or meaning.
 */
export const PROTOCOL = 3;

export const TICKET_STEP = 8;
export const IDLE = 0;
export const STARTED = 1;
export const DONE = 2;
export const FAILED = 3;
export const TAKEN_BACK = 4;
