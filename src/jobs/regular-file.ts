import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from "node:fs";
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

/** EFBIG for a file past the caller's limit, when it is opened or as it is read. */
function checkSize(path: string, size: number, opts: RegularReadOptions): void {
  const maxBytes = opts.maxBytes ?? MAX_READ_BYTES;
  if (size > maxBytes) throw Object.assign(new Error(`${path} is larger than ${maxBytes} bytes`), { code: "EFBIG", path });
}

/** What was opened is read only if it is a regular file of a size we expect. */
function checkRegular(path: string, st: Stats, opts: RegularReadOptions): void {
  if (!st.isFile()) throw new NotRegularFileError(path, fileKind(st));
  checkSize(path, st.size, opts);
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
 * Opens `path` for a synchronous read, with readRegularFile's checks done: a file descriptor
 * (the caller closes it) and the size fstat gave. For the small files of a git mirror, read
 * synchronously (update-mirror.ts says why), so a FIFO planted there cannot stop the event loop.
 */
export function openRegularSync(path: string, opts: RegularReadOptions = {}): { fd: number; size: number } {
  const fd = openSync(path, openFlags(opts));
  try {
    const st = fstatSync(fd);
    checkRegular(path, st, opts);
    return { fd, size: st.size };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** readRegularFile, synchronously (openRegularSync). */
export function readRegularFileSync(path: string, opts: RegularReadOptions = {}): string {
  const { fd } = openRegularSync(path, opts);
  try {
    const bytes = readFileSync(fd);
    // grown past the limit since fstat: no more ours than if it had been that size at first
    checkSize(path, bytes.length, opts);
    return bytes.toString("utf8");
  } finally {
    closeSync(fd);
  }
}
