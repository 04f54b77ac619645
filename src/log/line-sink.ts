import type { Writable } from "node:stream";

/**
 * Where finished log lines go: normally process.stdout, which for a pipe (svscan's log pipe,
 * a `| multilog` in a test) is asynchronous in Node, so a stalled reader makes it buffer in
 * memory without limit. The sink caps that buffer: beyond `capBytes` lines are dropped and
 * counted, and once the reader has caught up ("drain") one line reports the count.
 * It never throws into the logger: a vanished reader (EPIPE) turns the sink into a no-op
 * (under svscan this cannot happen, svscan holds the read end; under a shell pipe it can).
 */
export interface LineSinkOptions {
  /** bytes that may wait in memory for a slow reader; default 1 MiB */
  capBytes?: number;
  /** the line that reports `n` dropped lines (stamped like every other line) */
  droppedNotice: (n: number) => string;
}

export const DEFAULT_CAP_BYTES = 1 << 20;

export class LineSink {
  private readonly capBytes: number;
  private droppedSinceReport = 0;
  private droppedTotal = 0;
  private broken = false;
  private readonly droppedNotice: (n: number) => string;

  constructor(
    private readonly out: Writable,
    opts: LineSinkOptions,
  ) {
    this.capBytes = opts.capBytes ?? DEFAULT_CAP_BYTES;
    this.droppedNotice = opts.droppedNotice;
    out.on("error", () => {
      // EPIPE (reader gone), EBADF, ERR_STREAM_DESTROYED: nobody can read us any more;
      // losing the log must not take the jobs down with it.
      this.broken = true;
    });
    out.on("drain", () => this.reportDropped());
  }

  /** lines dropped since start because the reader was too slow */
  get dropped(): number {
    return this.droppedTotal;
  }

  get isBroken(): boolean {
    return this.broken;
  }

  write(line: string): void {
    if (this.broken) return;
    if (this.out.writableLength > this.capBytes) {
      this.droppedSinceReport++;
      this.droppedTotal++;
      return;
    }
    try {
      this.out.write(line);
    } catch {
      this.broken = true;
    }
  }

  private reportDropped(): void {
    if (this.droppedSinceReport === 0 || this.broken) return;
    const n = this.droppedSinceReport;
    this.droppedSinceReport = 0;
    this.write(this.droppedNotice(n));
  }

  /**
   * Resolves true once everything written so far has reached the reader, or false after
   * `timeoutMs` (a reader stalled for good must not keep a stopping daemon alive past its grace).
   */
  flush(timeoutMs: number): Promise<boolean> {
    if (this.broken || this.out.writableLength === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (drained: boolean) => {
        clearTimeout(timer);
        this.out.off("drain", check);
        resolve(drained);
      };
      const check = () => {
        if (this.broken || this.out.writableLength === 0) done(true);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.out.on("drain", check);
    });
  }
}
