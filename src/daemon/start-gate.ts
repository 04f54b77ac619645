/**
 * --max-concurrent: within one service, at most this many start-up runs (catch-up and
 * at-start) go on at once. After a power cut every job of a --config service has a catch-up
 * due in the same second; the others wait here, the earliest planned first, so a host does
 * not start twenty git fetches at once. Scheduled runs never wait here: their time is theirs.
 */
export class StartGate {
  private running = 0;
  private readonly queue: Waiter[] = [];
  /**
   * Job loops reach the gate one after the other (each has read its record first). Until
   * every loop of the service's start has said whether it has a start-up run (arrived), no
   * place is handed out, so that the first ones go to the earliest planned runs, not to
   * whichever loop read its file first. GATHER_LIMIT_MS bounds that wait (a stuck disk).
   */
  private gathering = 0;
  private limit: NodeJS.Timeout | undefined;

  constructor(readonly max: number) {}

  /** `n` job loops are starting: wait for each to arrive before handing out places */
  expect(n: number): void {
    this.gathering += n;
  }

  /** a starting loop has queued its start-up run, or has none (once per loop from expect) */
  arrived(): void {
    if (this.gathering === 0) return;
    if (--this.gathering === 0) this.endGathering();
  }

  private endGathering(): void {
    this.gathering = 0;
    clearTimeout(this.limit);
    this.limit = undefined;
    this.grant();
  }

  /** `run` once a place is free, holding it until `run` settles; undefined: the wait was ended. */
  async whenFree<T>(
    w: { plannedMs: number; tag: string; signal: AbortSignal },
    run: () => Promise<T>,
    onQueued: (ahead: number) => void,
  ): Promise<T | undefined> {
    const release = await this.acquire(w.plannedMs, w.tag, w.signal, onQueued);
    if (release === undefined) return undefined;
    try {
      return await run();
    } finally {
      release();
    }
  }

  /**
   * Resolves with a release function once a place is free, or with undefined when `signal`
   * ends the wait (chime stops). `onQueued` is called once, if the run has to wait once the
   * places are handed out. `plannedMs` orders the waiters (earliest first); `tag` breaks ties.
   */
  acquire(plannedMs: number, tag: string, signal: AbortSignal, onQueued: (ahead: number) => void): Promise<(() => void) | undefined> {
    if (signal.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const onAbort = () => {
        const i = this.queue.indexOf(w);
        if (i === -1) return;
        this.queue.splice(i, 1);
        resolve(undefined);
      };
      const w: Waiter = {
        plannedMs,
        tag,
        told: false,
        onQueued,
        grant: () => {
          signal.removeEventListener("abort", onAbort);
          resolve(this.releaser());
        },
      };
      const at = this.queue.findIndex((o) => o.plannedMs > plannedMs || (o.plannedMs === plannedMs && o.tag > tag));
      this.queue.splice(at === -1 ? this.queue.length : at, 0, w);
      signal.addEventListener("abort", onAbort, { once: true });
      if (this.gathering === 0) this.grant();
      else this.limit ??= setTimeout(() => this.endGathering(), GATHER_LIMIT_MS);
    });
  }

  /** hands out free places in planned order; whoever is left waiting is told so, once */
  private grant(): void {
    while (this.running < this.max && this.queue.length > 0) {
      this.running++;
      this.queue.shift()!.grant();
    }
    for (const [i, w] of this.queue.entries()) {
      if (w.told) continue;
      w.told = true;
      w.onQueued(this.running + i);
    }
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.running--;
      if (this.gathering === 0) this.grant();
    };
  }
}

/** the longest wait for every starting loop to arrive: far longer than reading a record takes */
export const GATHER_LIMIT_MS = 5000;

interface Waiter {
  plannedMs: number;
  tag: string;
  /** the "queued" line has been logged */
  told: boolean;
  onQueued(ahead: number): void;
  grant(): void;
}
