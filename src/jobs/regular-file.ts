import { constants, type Stats } from "node:fs";
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

/** followLinks: for files the admin names (a config file may well be a symlink into /etc) */
export async function readRegularFile(path: string, opts: { maxBytes?: number; followLinks?: boolean } = {}): Promise<string> {
  const maxBytes = opts.maxBytes ?? MAX_READ_BYTES;
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | (opts.followLinks ? 0 : constants.O_NOFOLLOW));
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new NotRegularFileError(path, fileKind(st));
    if (st.size > maxBytes) throw Object.assign(new Error(`${path} is larger than ${maxBytes} bytes`), { code: "EFBIG", path });
    return await fh.readFile("utf8");
  } finally {
    await fh.close();
  }
}
