import { closeSync, constants, openSync, writeSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { commonLines } from "./common-lines.js";
import {
  DONE,
  FAILED,
  type HelperJob,
  IDLE,
  type LinesDone,
  type LinesJob,
  type ParseJob,
  PROTOCOL,
  READ,
  type Signalled,
  STARTED,
  TICKET_STEP,
  type SortJob,
  type TouchJob,
} from "./helper-jobs.js";
import { largestBucket, newScratch, sortBuckets } from "./bucket-sort.js";
import { firstPlaces } from "./key-sort.js";
import { classify } from "./splitter-cut.js";
import { NameTable } from "./name-table.js";
import { nameLineChunks } from "./unbound-include.js";

/**
 * What dns-blocklist's helper thread runs (helper-thread.ts starts it; scripts/build.mjs bundles
 * this file on its own): the part of a run's work it is handed, on the run's arrays on shared
 * memory. See helper-jobs.ts for how each kind of job is answered.
 */
function run(job: HelperJob): void {
  if (job.kind === "lines") parentPort?.postMessage(lines(job));
  else if (job.kind === "touch") touch(job);
  else if (job.kind === "parse") signalled(job, () => parse(job));
  else signalled(job, () => sort(job));
}

/** Does a job waited for through its signal (helper-jobs.ts): DONE, or FAILED if it throws. */
function signalled(job: Signalled, work: () => void): void {
  const { signal, ticket } = job;
  // a job the caller took back before this thread began is left alone
  if (Atomics.compareExchange(signal, 0, ticket + IDLE, ticket + STARTED) !== ticket + IDLE) return;
  let state = DONE;
  try {
    work();
  } catch {
    state = FAILED;
  }
  Atomics.store(signal, 0, ticket + state);
  Atomics.notify(signal, 0);
}

// the size of a page of memory (the least: a bigger page is touched more than once)
const PAGE = 4096;
// pages touched between looks at the signal
const PAGES_PER_LOOK = 16;

/** A TouchJob: an atomic or with 0 on each page, until a new job is handed. */
function touch(job: TouchJob): void {
  const { signal, ticket } = job;
  for (const v of job.views) {
    for (let i = 0; i < v.length; i += PAGE) {
      // a new job was handed (the signal holds its ticket): it goes first, and pages not
      // touched yet are left to the first write
      if (i % (PAGES_PER_LOOK * PAGE) === 0 && (Atomics.load(signal, 0) & ~(TICKET_STEP - 1)) !== ticket) return;
      Atomics.or(v, i, 0);
    }
  }
}

function sort(job: SortJob): void {
  if (job.kind === "places") firstPlaces(job.arrays, job.keys, job.from, job.to);
  else if (job.kind === "buckets") {
    const { arrays, buckets } = job;
    const out = { lcp: arrays.lcp, next: arrays.next, length: arrays.len };
    sortBuckets(arrays.bytes, arrays, newScratch(largestBucket(buckets)), [...buckets], out);
  } else {
    const { arrays, splitters, from, to, bucketOf, counts } = job;
    classify(arrays.bytes, arrays.at, arrays.len, splitters, from, to, bucketOf, counts);
  }
}

function parse(job: ParseJob): void {
  const table = NameTable.over({ ...job.table, count: 0 });
  const read = { lines: 0, names: 0 };
  const input = Buffer.from(job.input.buffer, job.input.byteOffset, job.input.length);
  const stoppedAt = commonLines(input, job.from, job.to, table, read) - job.from;
  // a table that outgrew the arrays it was given has its entries where the caller cannot see them
  if (table.bytes !== job.table.bytes || table.start !== job.table.start) throw new Error("the parse outgrew its table");
  const answer = job.read;
  answer[READ.stoppedAt] = stoppedAt;
  answer[READ.lines] = read.lines;
  answer[READ.names] = read.names;
  answer[READ.entries] = table.count;
  answer[READ.bytesUsed] = table.bytesUsed;
}

/**
 * The lines, written from `position` on into the file the caller created (exclusively, beside
 * the target): opened for writing only, never created or followed if it is a symlink.
 */
function lines(job: LinesJob): LinesDone {
  try {
    const fd = openSync(job.path, constants.O_WRONLY | constants.O_NOFOLLOW);
    try {
      const skipped = { count: 0 };
      let position = job.position;
      for (const chunk of nameLineChunks(NameTable.over(job.table), job.groups, new Uint8Array(0), skipped)) {
        for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off, chunk.length - off, position + off);
        position += chunk.length;
      }
      return { bytes: position - job.position, skipped: skipped.count };
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

// started by a run of another build: it ends, and the run does everything on one thread
if (workerData?.protocol !== PROTOCOL) process.exit(0);
else parentPort?.on("message", run);
