import { logLabelFromMs } from "../time/log-label.js";

/**
 * stderr lines outside the logger — `PROG: message` start-up and usage errors, uncaught
 * exceptions and their stack traces, Node's warnings — stamped like log lines. A run script
 * joins stderr to stdout (`exec 2>&1`), so an unlabelled line there is a line in the log that
 * tells nobody when a crash loop began, and one that starts with `@` would stop tai64nlocal.
 */

/** a line that already starts with a label (the logger's, when it writes to stderr) */
const LABELLED = /^@4[0-9a-f]{23} /;

export interface StampedStderr {
  /** writes text as it is, for help and usage text meant for a person at a terminal */
  raw(text: string): void;
}

type WriteFn = (chunk: unknown, encoding?: unknown, cb?: unknown) => boolean;

/**
 * From now on every line written to `stream` starts with the label of the moment it was
 * written, unless it already has one; partial writes are joined into lines first.
 */
export function stampEveryLine(stream: NodeJS.WritableStream = process.stderr, clockMs: () => number = Date.now): StampedStderr {
  const write = stream.write.bind(stream) as WriteFn;
  let atLineStart = true;
  const stamp = (text: string): string => {
    let out = "";
    let from = 0;
    while (from < text.length) {
      const nl = text.indexOf("\n", from);
      const end = nl === -1 ? text.length : nl + 1;
      const piece = text.slice(from, end);
      if (atLineStart && !LABELLED.test(piece)) out += logLabelFromMs(clockMs()) + " ";
      out += piece;
      atLineStart = nl !== -1;
      from = end;
    }
    return out;
  };
  (stream as unknown as { write: WriteFn }).write = (chunk, encoding, cb) => {
    const text =
      typeof chunk === "string"
        ? chunk
        : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array
          ? Buffer.from(chunk).toString("utf8")
          : String(chunk);
    return write(stamp(text), typeof encoding === "string" ? "utf8" : encoding, cb);
  };
  return { raw: (text) => void write(text) };
}

/**
 * Uncaught exceptions, unhandled rejections and Node's warnings as `PROG: …` lines on
 * `stream` (stamped once stampEveryLine is on), instead of Node's own bare printouts. An
 * uncaught error ends the process with 111: state is unknown, supervise starts us afresh.
 */
export function reportProcessTrouble(prog: string, exitCode: number, stream: NodeJS.WritableStream = process.stderr): void {
  const fatal = (what: string) => (err: unknown) => {
    stream.write(`${prog}: ${what}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(exitCode);
  };
  process.on("uncaughtException", fatal("unexpected error"));
  process.on("unhandledRejection", fatal("unhandled rejection"));
  process.removeAllListeners("warning");
  process.on("warning", (w) => void stream.write(`${prog}: warning: ${w.name}: ${w.message}\n`));
}
