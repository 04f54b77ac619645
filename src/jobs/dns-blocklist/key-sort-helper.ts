import { existsSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { installationRoot } from "../../cli/installation-root.js";
import type { BucketHelper, SortArrays } from "./key-sort.js";
import { DONE, FAILED, IDLE, type SortJob, STARTED, TAKEN_BACK } from "./key-sort-job.js";

// the helper's program: key-sort-thread.ts, bundled on its own by scripts/build.mjs
const PROGRAM = join(installationRoot(), "dist", "jobs", "key-sort-thread.cjs");

// How long finish() waits for the thread to begin a job before sorting its buckets itself. It is
// started with the run and has the whole parse to get ready (~35 ms), so only a thread that
// could not start at all (or a machine at a standstill) waits this long.
const BEGIN_WITHIN_MS = 2000;

/**
 * The second thread of dns-blocklist's sort (key-sort.ts, sortKeys): started when a run begins,
 * so that it is ready when the sort is; ended with the run. Waiting for it blocks this thread
 * (Atomics.wait): the sort is synchronous, and this thread has nothing else to do meanwhile.
 */
export class SortHelperThread implements BucketHelper {
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  /** the thread failed to load or ended: it is asked for nothing */
  private gone = false;
  private handed = false;
  /** jobs the thread sorted (the log of a run says whether its sort used two threads) */
  jobsDone = 0;

  private constructor(private readonly worker: Worker) {
    worker.on("error", () => {
      this.gone = true;
    });
    worker.on("exit", () => {
      this.gone = true;
    });
  }

  /** A helper thread; undefined where its program is missing (a checkout that was not built). */
  static start(program = PROGRAM): SortHelperThread | undefined {
    if (!existsSync(program)) return undefined;
    // no stdin/stdout of its own: it never writes, and a service's log is this process's
    const worker = new Worker(program, { stdout: true, stderr: true });
    // it must not keep a process alive that has nothing else left to do
    worker.unref();
    return new SortHelperThread(worker);
  }

  start(arrays: SortArrays, buckets: readonly number[]): void {
    this.handed = !this.gone;
    if (!this.handed) return;
    Atomics.store(this.signal, 0, IDLE);
    const job: SortJob = { arrays, buckets, signal: this.signal };
    this.worker.postMessage(job);
  }

  finish(): boolean {
    if (!this.handed) return false;
    this.handed = false;
    const { signal } = this;
    if (Atomics.wait(signal, 0, IDLE, BEGIN_WITHIN_MS) === "timed-out" && Atomics.compareExchange(signal, 0, IDLE, TAKEN_BACK) === IDLE) {
      return false;
    }
    while (Atomics.load(signal, 0) === STARTED) Atomics.wait(signal, 0, STARTED);
    const state = Atomics.load(signal, 0);
    // Its buckets may be half sorted: this run cannot go on (the blocklist served is kept).
    if (state === FAILED) throw new Error("dns-blocklist: the sort's helper thread failed");
    if (state === DONE) this.jobsDone++;
    return state === DONE;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
