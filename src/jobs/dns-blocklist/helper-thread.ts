import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import { installationRoot } from "../../cli/installation-root.js";
import { DONE, FAILED, IDLE, type LinesDone, type LinesJob, PROTOCOL, type SortJob, STARTED, TAKEN_BACK } from "./helper-jobs.js";
import type { BucketHelper, SortWork } from "./key-sort.js";
import type { NameTable } from "./name-table.js";
import type { LineShape, LineWriter } from "./unbound-include.js";

// what the thread runs: helper-thread-program.ts, bundled on its own by scripts/build.mjs
const PROGRAM = join(installationRoot(), "dist", "jobs", "dns-blocklist-helper.cjs");

// Lists of this many bytes (~150 000 names) and more get a helper thread.
const HELPER_FROM_BYTES = 4 * 1024 * 1024;

// How long a sort waits for the thread to begin its buckets before sorting them itself. The
// thread is started with the run and has the whole parse to get ready (~35 ms), so only one
// that could not start at all (or a machine at a standstill) is waited for this long.
const BEGIN_WITHIN_MS = 2000;

/**
 * The second thread of a dns-blocklist run with a big list: started as the run begins, so that
 * it is ready by the time the lists are parsed, and ended with the run. In the key sort
 * (key-sort.ts) it classifies half of the keys of the cut and sorts half of the buckets; it
 * writes the second half of the include (unbound-include.ts). The sort waits for it by blocking
 * this thread (Atomics.wait): the sort is synchronous, and this thread has nothing else to do
 * meanwhile.
 */
export class HelperThread implements BucketHelper, LineWriter {
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  /** the thread failed to load, or ended: it is handed nothing more */
  private gone: string | undefined;
  private handed = false;
  /** a lines job's answer, awaited */
  private answer: ((done: LinesDone) => void) | undefined;
  /** jobs the thread finished (the run's log and the tests tell from it that it did the work) */
  jobsDone = 0;

  private constructor(private readonly worker: Worker) {
    worker.on("message", (done: LinesDone) => {
      const answer = this.answer;
      this.answer = undefined;
      answer?.(done);
    });
    const end = (why: string): void => {
      this.gone ??= why;
      this.answer?.({ error: why });
      this.answer = undefined;
    };
    worker.on("error", (err) => end(`the helper thread failed: ${err.message}`));
    worker.on("exit", (code) => end(`the helper thread ended (exit code ${code})`));
  }

  /**
   * The helper of a run whose lists add up to `bytes`, started now (so that it is ready by the
   * time the lists are parsed); undefined for small lists, where a second thread costs more
   * than it saves, and where the program is missing.
   */
  static async forRun(bytes: number): Promise<HelperThread | undefined> {
    return bytes >= HELPER_FROM_BYTES ? await HelperThread.start() : undefined;
  }

  /** A helper thread; undefined where its program is missing (a checkout that was not built). */
  static async start(program = PROGRAM): Promise<HelperThread | undefined> {
    if (!existsSync(program)) return undefined;
    // loaded here, not with the job: a service whose lists are small never loads it
    const { Worker } = await import("node:worker_threads");
    // no stdout or stderr of its own: it writes nothing there, and a service's log is this process's
    const worker = new Worker(program, { stdout: true, stderr: true, workerData: { protocol: PROTOCOL } });
    // it must not keep a process alive that has nothing else left to do
    worker.unref();
    return new HelperThread(worker);
  }

  hand(work: SortWork): void {
    this.handed = this.gone === undefined;
    if (!this.handed) return;
    Atomics.store(this.signal, 0, IDLE);
    const job: SortJob = { ...work, signal: this.signal };
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
    if (state === FAILED) throw new Error("dns-blocklist: the helper thread failed in the sort");
    if (state === DONE) this.jobsDone++;
    return state === DONE;
  }

  async writeLines(
    table: NameTable,
    groups: readonly (readonly [Uint32Array, LineShape, LineShape | undefined])[],
    path: string,
    position: number,
  ): Promise<{ bytes: number; skipped: number }> {
    if (this.gone !== undefined) throw new Error(this.gone);
    if (this.answer !== undefined) throw new Error("dns-blocklist: the helper thread is writing already");
    const done = new Promise<LinesDone>((resolve) => {
      this.answer = resolve;
    });
    const job: LinesJob = { kind: "lines", table: table.arrays(), groups, path, position };
    // held while its answer is awaited: an unref'd thread's message would not keep the process
    // alive, and a run with nothing else left to wait for would end without it
    this.worker.ref();
    this.worker.postMessage(job);
    const answer = await done.finally(() => this.worker.unref());
    if ("error" in answer) throw new Error(answer.error);
    this.jobsDone++;
    return answer;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
