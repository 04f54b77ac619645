import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { open } from "node:fs/promises";

/**
 * Reads a file chime keeps (a run record, a config file) only if it is a regular file.
 * A FIFO planted in its place would block a plain read for ever — in libuv's thread pool,
 * where not even process.exit() gets past it — so it is opened with O_NONBLOCK (an open
 * that cannot block) and O_NOFOLLOW (no symlink leads elsewhere), and checked with fstat
 * before a single byte is read.
 */
export class NotRegularFileError extends Error {
  /** what was found instead: "fifo", "directory", … */
  readonly code = "ENOTREG";
  constructor(
    readonly path: string,
    readonly kind: string,
  ) {
    super(`${path} is a ${kind}, not a regular file`);
  }
}

/** Larger than any record chime writes by far: a bigger file is not ours. */
export const MAX_READ_BYTES = 4 << 20;

export function fileKind(st: Stats): string {
  if (st.isFile()) return "regular file";
  if (st.isDirectory()) return "directory";
  if (st.isFIFO()) return "fifo";
  if (st.isSocket()) return "socket";
  if (st.isCharacterDevice()) return "character device";
  if (st.isBlockDevice()) return "block device";
  if (st.isSymbolicLink()) return "symbolic link";
  return "special file";
}

export interface RegularReadOptions {
  /** larger than this: EFBIG (default MAX_READ_BYTES) */
  maxBytes?: number;
  /** for files the admin names (a config file may well be a symlink into /etc) */
  followLinks?: boolean;
}

const openFlags = (opts: RegularReadOptions): number =>
  constants.O_RDONLY | constants.O_NONBLOCK | (opts.followLinks ? 0 : constants.O_NOFOLLOW);

/** What was opened is read only if it is a regular file of a size we expect. */
function checkRegular(path: string, st: Stats, opts: RegularReadOptions): void {
  if (!st.isFile()) throw new NotRegularFileError(path, fileKind(st));
  const maxBytes = opts.maxBytes ?? MAX_READ_BYTES;
  if (st.size > maxBytes) throw Object.assign(new Error(`${path} is larger than ${maxBytes} bytes`), { code: "EFBIG", path });
}

export async function readRegularFile(path: string, opts: RegularReadOptions = {}): Promise<string> {
  const fh = await open(path, openFlags(opts));
  try {
    checkRegular(path, await fh.stat(), opts);
    return await fh.readFile("utf8");
  } finally {
    await fh.close();
  }
}

/**
 * readRegularFile for the small files of a git mirror, read synchronously (update-mirror.ts says
 * why): the same checks, so a FIFO planted there cannot stop the event loop.
 */
export function readRegularFileSync(path: string, opts: RegularReadOptions = {}): string {
  const fd = openSync(path, openFlags(opts));
  try {
    const st = fstatSync(fd);
    checkRegular(path, st, opts);
    // the size fstat gave, and whatever was appended since (up to the limit): read to the end
    const limit = opts.maxBytes ?? MAX_READ_BYTES;
    let buf = Buffer.allocUnsafe(Math.min(st.size, limit) + 1);
    let got = 0;
    for (;;) {
      if (got === buf.length) {
        if (buf.length > limit) throw Object.assign(new Error(`${path} is larger than ${limit} bytes`), { code: "EFBIG", path });
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, limit + 1));
        buf.copy(bigger, 0, 0, got);
        buf = bigger;
      }
      const n = readSync(fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
    }
    return buf.toString("utf8", 0, got);
  } finally {
    closeSync(fd);
  }
}
