/**
 * --max-concurrent: within one service, at most this many start-up runs (catch-up and
 * at-start) go on at once. After a power cut every job of a --config service has a catch-up
 * due in the same second; the others wait here, the earliest planned first, so a host does
 * not start twenty git fetches at once. Scheduled runs never wait here: their time is theirs.
 */
export class StartGate {
  private running = 0;
  private readonly queue: Waiter[] = [];

  constructor(readonly max: number) {}

  /**
   * Resolves with a release function once a place is free, or with undefined when `signal`
   * ends the wait (chime stops). `onQueued` is called once if the run has to wait.
   * `plannedMs` orders the waiters (earliest first); `tag` breaks ties, so the order does not
   * depend on which job loop got here first.
   */
  acquire(plannedMs: number, tag: string, signal: AbortSignal, onQueued: (ahead: number) => void): Promise<(() => void) | undefined> {
    if (signal.aborted) return Promise.resolve(undefined);
    if (this.running < this.max && this.queue.length === 0) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
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
        grant: () => {
          signal.removeEventListener("abort", onAbort);
          resolve(this.releaser());
        },
      };
      const at = this.queue.findIndex((o) => o.plannedMs > plannedMs || (o.plannedMs === plannedMs && o.tag > tag));
      this.queue.splice(at === -1 ? this.queue.length : at, 0, w);
      signal.addEventListener("abort", onAbort, { once: true });
      onQueued(this.running + this.queue.indexOf(w));
    });
  }

  /** `run` once a place is free, holding it until `run` settles; undefined: the wait was ended. */
  async whenFree<T>(w: { plannedMs: number; tag: string; signal: AbortSignal }, run: () => Promise<T>, onQueued: (ahead: number) => void): Promise<T | undefined> {
    const release = await this.acquire(w.plannedMs, w.tag, w.signal, onQueued);
    if (release === undefined) return undefined;
    try {
      return await run();
    } finally {
      release();
    }
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.running--;
      const next = this.queue.shift();
      if (next) {
        this.running++;
        next.grant();
      }
    };
  }
}

interface Waiter {
  plannedMs: number;
  tag: string;
  grant(): void;
}
