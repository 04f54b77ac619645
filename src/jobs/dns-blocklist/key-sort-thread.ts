import { parentPort } from "node:worker_threads";
import { largestBucket, newScratch, type SortArrays, sortBuckets } from "./key-sort.js";
import { DONE, FAILED, IDLE, STARTED, type SortJob } from "./key-sort-job.js";

/**
 * The sort's helper thread (key-sort-helper.ts starts it; scripts/build.mjs bundles this file on
 * its own): sorts the buckets it is handed, in arrays on shared memory, and says so through the
 * job's signal. A job the caller took back before this thread began is left alone.
 */
function run(job: SortJob): void {
  const { arrays, buckets, signal } = job;
  if (Atomics.compareExchange(signal, 0, IDLE, STARTED) !== IDLE) return;
  let state = DONE;
  try {
    sortOwn(arrays, buckets);
  } catch {
    state = FAILED;
  }
  Atomics.store(signal, 0, state);
  Atomics.notify(signal, 0);
}

function sortOwn(arrays: SortArrays, buckets: readonly number[]): void {
  const out = { lcp: arrays.lcp, next: arrays.next, length: arrays.len };
  sortBuckets(arrays.bytes, arrays, newScratch(largestBucket(buckets)), [...buckets], out);
}

parentPort?.on("message", run);
