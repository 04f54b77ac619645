import type { Writable } from "node:stream";
import pino, { type Logger } from "pino";
import { DAEMON_TAG, LineDestination, stamps, type LogFormat, type LogStamp } from "./line-destination.js";
import { LineSink } from "./line-sink.js";

export type { Logger } from "pino";
export type { LogFormat, LogStamp } from "./line-destination.js";

export interface LogOptions {
  format?: LogFormat;
  stamp?: LogStamp;
  /** default process.stdout */
  out?: Writable;
  /** wall clock for the stamps, ms since the epoch; default Date.now */
  clockMs?: () => number;
  /** bytes that may wait for a slow reader before lines are dropped; default 1 MiB */
  capBytes?: number;
  /** lowest level written; default "info" */
  level?: pino.LevelWithSilent;
}

export interface ChimeLog {
  /** the root logger; its lines carry the tag "chime" */
  readonly log: Logger;
  /** a child logger whose lines carry `tag` as their job */
  forJob(tag: string): Logger;
  /** lines dropped so far because the reader was too slow */
  dropped(): number;
  /** waits until everything logged has been handed to the reader, at most timeoutMs; false if it was not */
  flush(timeoutMs: number): Promise<boolean>;
}

export function createLog(opts: LogOptions = {}): ChimeLog {
  const format = opts.format ?? "text";
  const stamp = stamps[opts.stamp ?? "tai64n"](opts.clockMs ?? Date.now);
  let destination: LineDestination | undefined;
  const sink = new LineSink(opts.out ?? process.stdout, {
    ...(opts.capBytes !== undefined ? { capBytes: opts.capBytes } : {}),
    droppedNotice: (n) => destination!.noticeLine("warn", "log reader was too slow, lines dropped", { dropped: n }),
  });
  destination = new LineDestination(sink, format, stamp);
  const untagged = pino(
    {
      level: opts.level ?? "info",
      // no pid/hostname: one process per service, the service name says which host part it is
      base: null,
      // the text format stamps each line itself when written; JSON keeps pino's epoch ms
      timestamp: format === "json",
    },
    destination,
  );
  // The root logger is a child too, so that JSON lines about chime itself carry "job":"chime"
  // like text lines do; job loggers derive from the untagged one (one "job" key per line).
  const log = untagged.child({ job: DAEMON_TAG });
  return {
    log,
    forJob: (tag) => untagged.child({ job: tag }),
    dropped: () => sink.dropped,
    flush: (ms) => sink.flush(ms),
  };
}
