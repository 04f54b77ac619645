import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import { installationRoot } from "../../cli/installation-root.js";
import { compileInPlace } from "./compile-in-place.js";
import {
  DONE,
  FAILED,
  IDLE,
  type LinesDone,
  type LinesJob,
  memoryFor,
  type ParseJob,
  PROTOCOL,
  READ,
  type SortJob,
  type TouchJob,
  STARTED,
  TAKEN_BACK,
  TICKET_STEP,
} from "./helper-jobs.js";
import type { BucketHelper, SortWork } from "./key-sort.js";
import type { NameTable, TableArrays } from "./name-table.js";
import type { LineHelper, LinesRead } from "./parse-list.js";
import type { LineGroup, LineWriter } from "./unbound-include.js";

// what the thread runs: helper-thread-program.ts, bundled on its own by scripts/build.mjs
const PROGRAM = join(installationRoot(), "dist", "jobs", "dns-blocklist-helper.cjs");

// Lists of this many bytes (~150 000 names) and more get a helper thread.
const HELPER_FROM_BYTES = 4 * 1024 * 1024;

/** Where the thread reads a part of a list into: its bytes, a table, and its answer (ParseJob). */
interface ParseSpace {
  readonly input: Uint8Array;
  readonly table: TableArrays;
  readonly read: Int32Array;
}

// How far the part of a piece the thread reads may move from a half, and by how much a piece.
const LEAST_SHARE = 0.3;
const MOST_SHARE = 0.7;
const SHARE_STEP = 0.02;

// How long a sort waits for the thread to begin its buckets before sorting them itself. The
// thread is started with the run and has the whole parse to get ready (~35 ms), so only one
// that could not start at all (or a machine at a standstill) is waited for this long.
const BEGIN_WITHIN_MS = 2000;

// How long a thread that has done jobs of this run is given to begin a part of a piece once
// this thread has read its own: it may still be touching pages (TouchJob, which it leaves at the
// next look at the signal) or be waking. Reading its part here instead takes ~4 ms.
const BEGIN_PART_WITHIN_MS = 2;

// The entries a byte of a list's text is taken to make, for the pages of the entries' arrays
// touched ahead: NameTable's own guess (a name every 16 bytes; a hosts line of the benchmark's
// list is ~29). More entries are written by this thread as they come.
const ENTRIES_PER_BYTE = 1 / 16;

/**
 * The second thread of a dns-blocklist run with a big list: started as the run begins, and
 * ended with the run. In the parse (parse-list.ts) it reads the common lines of the second part
 * of each piece of a list (about half, `lineShare`), and between parts touches the pages the
 * next piece will write (touchAhead); in the key sort (key-sort.ts) it fills the upper half of
 * the order, classifies half of the keys of the cut and sorts the upper buckets; it writes the
 * last part of the include (unbound-include.ts). The parse and the sort wait for it by blocking
 * this thread (Atomics.wait): both are synchronous, and this thread has nothing else to do
 * meanwhile.
 */
export class HelperThread implements BucketHelper, LineHelper, LineWriter {
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  /** the thread failed to load, or ended: it is handed nothing more */
  private gone: string | undefined;
  /** the job handed, waited for through the signal: its ticket (helper-jobs.ts) */
  private handed: number | undefined;
  private tickets = 0;
  /** where the parse's parts go, reused from piece to piece */
  private parseSpace: ParseSpace | undefined;
  /** the part of each piece of a list the thread reads (ListParser) */
  lineShare = 0.5;
  /** a lines job's answer, awaited */
  private answer: ((done: LinesDone) => void) | undefined;
  /** jobs the thread finished (the run's log and the tests tell from it that it did the work) */
  jobsDone = 0;

  private constructor(
    private readonly worker: Worker,
    /** ends compiling in place (compile-in-place.ts), if this thread's start began it */
    private stopCompilingInPlace: (() => void) | undefined,
  ) {
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
    // before the thread's isolate is made: it takes the setting for its life
    const stopCompilingInPlace = compileInPlace();
    let worker: Worker;
    try {
      // no stdout or stderr of its own: it writes nothing there, and a service's log is this process's
      worker = new Worker(program, { stdout: true, stderr: true, workerData: { protocol: PROTOCOL } });
    } catch (err) {
      stopCompilingInPlace?.();
      throw err;
    }
    // it must not keep a process alive that has nothing else left to do
    worker.unref();
    return new HelperThread(worker, stopCompilingInPlace);
  }

  hand(work: SortWork): void {
    const ticket = this.nextTicket();
    if (ticket === undefined) return;
    const job: SortJob = { ...work, signal: this.signal, ticket };
    this.worker.postMessage(job);
  }

  finish(): boolean {
    const state = this.outcome(BEGIN_WITHIN_MS);
    // Its buckets may be half sorted: this run cannot go on (the blocklist served is kept).
    if (state === FAILED) throw new Error("dns-blocklist: the helper thread failed in the sort");
    if (state === DONE) this.jobsDone++;
    return state === DONE;
  }

  handLines(bytes: Uint8Array, from: number, to: number): boolean {
    const ticket = this.nextTicket();
    if (ticket === undefined) return false;
    const space = this.spaceFor(to - from);
    // read where it is if it is on shared memory (SourceStore's pieces for a run with a helper);
    // else copied to where the thread can see it
    let job: ParseJob = { kind: "parse", input: bytes, from, to, table: space.table, read: space.read, signal: this.signal, ticket };
    if (!(bytes.buffer instanceof SharedArrayBuffer)) {
      space.input.set(bytes.subarray(from, to));
      job = { ...job, input: space.input, from: 0, to: to - from };
    }
    this.worker.postMessage(job);
    return true;
  }

  finishLines(): LinesRead | undefined {
    // Not begun by the time this thread has read its part (or soon after, for a thread that
    // has done jobs of this run: BEGIN_PART_WITHIN_MS): it reads this part too, rather than
    // wait (the thread is still loading, or the machine is busy). A part that failed (it
    // outgrew its table) is read here as well: nothing of it is in the run's table.
    const first = this.handed !== undefined && Atomics.load(this.signal, 0) === this.handed + DONE;
    if (this.outcome(this.jobsDone > 0 ? BEGIN_PART_WITHIN_MS : 0) !== DONE) return undefined;
    this.jobsDone++;
    // The next piece's part is moved a step toward where both threads end together: the two
    // threads' speeds differ (this thread's code is warm first; the helper wakes for each
    // part), and by how much depends on the machine.
    this.lineShare = Math.min(MOST_SHARE, Math.max(LEAST_SHARE, this.lineShare + (first ? SHARE_STEP : -SHARE_STEP)));
    const read = this.parseSpace!.read;
    return { stoppedAt: read[READ.stoppedAt]!, lines: read[READ.lines]!, names: read[READ.names]! };
  }

  /**
   * Has the thread make resident the pages `table` will write when it grows by `bytes` more
   * bytes of names, beyond `skip` bytes this thread is about to write itself, while it has
   * nothing else to do (TouchJob).
   */
  touchAhead(table: NameTable, skip: number, bytes: number): void {
    if (this.gone !== undefined || this.handed === undefined) return;
    const views: Uint8Array[] = [];
    const ahead = (array: Uint8Array | Uint32Array, from: number, to: number): void => {
      const first = Math.min(from * array.BYTES_PER_ELEMENT, array.byteLength);
      const last = Math.min(to * array.BYTES_PER_ELEMENT, array.byteLength);
      if (first < last && array.buffer instanceof SharedArrayBuffer)
        views.push(new Uint8Array(array.buffer, array.byteOffset + first, last - first));
    };
    const used = table.bytesUsed;
    ahead(table.bytes, used + skip, used + skip + bytes);
    const e0 = table.count + Math.floor(skip * ENTRIES_PER_BYTE);
    const e1 = table.count + Math.ceil((skip + bytes) * ENTRIES_PER_BYTE);
    ahead(table.start, e0, e1);
    ahead(table.length, e0, e1);
    ahead(table.kind, e0, e1);
    if (views.length > 0) this.worker.postMessage({ kind: "touch", views, signal: this.signal, ticket: this.handed } satisfies TouchJob);
  }

  appendLines(table: NameTable): void {
    const { table: theirs, read } = this.parseSpace!;
    table.append({ ...theirs, count: read[READ.entries]! }, read[READ.bytesUsed]!);
  }

  /** A new ticket, the signal set to it, IDLE; undefined if the thread is gone. */
  private nextTicket(): number | undefined {
    this.handed = undefined;
    if (this.gone !== undefined) return undefined;
    // a ticket times TICKET_STEP, plus a state, stays well within an Int32
    this.tickets = (this.tickets + 1) % (1 << 24);
    const ticket = this.tickets * TICKET_STEP;
    Atomics.store(this.signal, 0, ticket + IDLE);
    this.handed = ticket;
    return ticket;
  }

  /**
   * Waits for the job handed: up to `beginWithinMs` for the thread to begin it (else it is
   * taken back, TAKEN_BACK), then for as long as it takes. Its final state.
   */
  private outcome(beginWithinMs: number): number {
    const ticket = this.handed;
    if (ticket === undefined) return TAKEN_BACK;
    this.handed = undefined;
    const { signal } = this;
    if (
      Atomics.wait(signal, 0, ticket + IDLE, beginWithinMs) === "timed-out" &&
      Atomics.compareExchange(signal, 0, ticket + IDLE, ticket + TAKEN_BACK) === ticket + IDLE
    ) {
      return TAKEN_BACK;
    }
    while (Atomics.load(signal, 0) === ticket + STARTED) Atomics.wait(signal, 0, ticket + STARTED);
    return Atomics.load(signal, 0) - ticket;
  }

  /** The parse's space for a part of `n` bytes: the last one's if it is big enough. */
  private spaceFor(n: number): ParseSpace {
    if (this.parseSpace !== undefined && this.parseSpace.input.length >= n) return this.parseSpace;
    // room for a whole piece: the part moves with lineShare, and a space outgrown is garbage
    // until a collection (pages never written cost no memory)
    const size = Math.ceil(n / this.lineShare / 65536) * 65536;
    // a name is never longer than its line, and an entry's line takes at least 4 bytes ("a.b\n")
    const entries = Math.floor(size / 4) + 1;
    const table: TableArrays = {
      bytes: new Uint8Array(memoryFor(size, true)),
      start: new Uint32Array(memoryFor(entries * 4, true)),
      length: new Uint8Array(memoryFor(entries, true)),
      kind: new Uint8Array(memoryFor(entries, true)),
      count: 0,
    };
    this.parseSpace = { input: new Uint8Array(memoryFor(size, true)), table, read: new Int32Array(memoryFor(READ.slots * 4, true)) };
    return this.parseSpace;
  }

  async writeLines(
    table: NameTable,
    groups: readonly LineGroup[],
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
    this.stopCompilingInPlace?.();
    this.stopCompilingInPlace = undefined;
    await this.worker.terminate();
  }
}
