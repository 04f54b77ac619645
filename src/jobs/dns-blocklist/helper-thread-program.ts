import { closeSync, constants, openSync, writeSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { DONE, FAILED, type HelperJob, IDLE, type LinesDone, type LinesJob, PROTOCOL, STARTED, type SortJob } from "./helper-jobs.js";
import { largestBucket, newScratch, sortBuckets } from "./key-sort.js";
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
  else sort(job);
}

function sort(job: SortJob): void {
  const { signal } = job;
  // a job the caller took back before this thread began is left alone
  if (Atomics.compareExchange(signal, 0, IDLE, STARTED) !== IDLE) return;
  let state = DONE;
  try {
    if (job.kind === "buckets") {
      const { arrays, buckets } = job;
      const out = { lcp: arrays.lcp, next: arrays.next, length: arrays.len };
      sortBuckets(arrays.bytes, arrays, newScratch(largestBucket(buckets)), [...buckets], out);
    } else {
      const { arrays, splitters, from, to, bucketOf, counts } = job;
      classify(arrays.bytes, arrays.at, arrays.len, splitters, from, to, bucketOf, counts);
    }
  } catch {
    state = FAILED;
  }
  Atomics.store(signal, 0, state);
  Atomics.notify(signal, 0);
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
