import { closeSync, constants, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { type FileHandle, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export interface AtomicWriteOptions {
  /**
   * fsync before the rename (default true): the new content survives power loss. Without it
   * the write still survives a kill -9 (the page cache does), for files that only guard against
   * that and are rewritten often.
   */
  fsync?: boolean;
  /** permission bits of a new file (default 0o644) */
  mode?: number;
  /**
   * Asked right before the rename, with no await between the answer and the rename: false
   * drops this write (a newer one landed meanwhile by another path, see run-state.ts).
   */
  landIf?: () => boolean;
}

/**
 * A file's content that its producer writes itself, at offsets of its choosing: dns-blocklist's
 * include of a big list, written from two threads at once. `path` is the file's name, for a
 * second writer to open.
 */
export interface SelfWritten {
  writeTo(fh: FileHandle, path: string): Promise<void>;
}

/**
 * What a file is written from: a string, chunks made as the write goes (a file too big to build
 * as one string first: dns-blocklist's include of a million names), or a producer that writes
 * the file itself. A chunk is written while the next is made, so a producer may reuse a chunk's
 * buffer once the chunk after the next is asked for (two buffers in turn).
 */
export type FileData = string | Iterable<Uint8Array> | SelfWritten;

async function writeData(fh: FileHandle, data: FileData, path: string): Promise<void> {
  if (typeof data === "string") await fh.writeFile(data);
  else if ("writeTo" in data) await data.writeTo(fh, path);
  else await writeChunks(fh, data, 0);
}

/**
 * Writes chunks at their offsets from `position` on, each while the next is made: the write is
 * a job of the thread pool, so it overlaps the making (an include of a million names: ~40 ms of
 * writes that no longer add to the ~150 ms of making it). One write at most is in flight.
 * Returns the position after the last chunk.
 */
export async function writeChunks(fh: FileHandle, chunks: Iterable<Uint8Array>, position: number): Promise<number> {
  let inFlight: Promise<void> | undefined;
  try {
    for (const chunk of chunks) {
      if (inFlight !== undefined) await inFlight;
      inFlight = writeAt(fh, chunk, position);
      // a failure is seen where it is awaited; until then it must not count as unhandled
      inFlight.catch(() => {});
      position += chunk.length;
    }
    if (inFlight !== undefined) await inFlight;
  } catch (err) {
    // the caller closes and removes the file next: no write of ours may be under way then
    await inFlight?.catch(() => {});
    throw err;
  }
  return position;
}

async function writeAt(fh: FileHandle, chunk: Uint8Array, position: number): Promise<void> {
  for (let off = 0; off < chunk.length; ) off += (await fh.write(chunk, off, chunk.length - off, position + off)).bytesWritten;
}

// O_EXCL makes open fail on anything already at the name, a planted symlink included (and
// O_NOFOLLOW says so twice): a file we create is always a new inode of ours, in this directory.
const EXCLUSIVE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * A name beside `path` that nobody can guess ahead of us, so nobody can plant something there;
 * a leading dot keeps it out of globs like `*.git` and `*.prom`.
 */
export function temporaryName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomSuffix()}.tmp`);
}

/**
 * 48 random bits in hex. What makes a temporary name safe is O_EXCL|O_NOFOLLOW (a name somebody
 * planted first fails with EEXIST, it is never followed); the randomness only keeps two writers
 * apart. Math.random serves that, and a service does not load node:crypto (0.6 MB resident) for
 * it at start, when it probes its state directory.
 */
export function randomSuffix(): string {
  return Math.floor(Math.random() * 2 ** 48)
    .toString(16)
    .padStart(12, "0");
}

/**
 * Creates `path` exclusively (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0o644 by default): fails with
 * EEXIST if anything, a symlink included, is already there. For callers that need the file to
 * be theirs, e.g. a temporary name they then link or rename into place.
 */
export async function createExclusive(path: string, data: FileData, mode = 0o644, opts: { fsync?: boolean } = {}): Promise<void> {
  const fh = await open(path, EXCLUSIVE, mode);
  try {
    await writeData(fh, data, path);
    // for a file that is checked first and renamed into place later (dns-blocklist's include)
    if (opts.fsync === true) await fh.sync();
  } catch (err) {
    await fh.close().catch(() => {});
    await unlinkQuietlyAsync(path);
    throw err;
  }
  await fh.close();
}

/**
 * Writes a file so that readers (node_exporter, `chime status`, a restart after kill -9)
 * see either the old content or the new, never a torn one: a new file under a random name in
 * the same directory, created exclusively (a symlink planted anywhere near is never followed),
 * fsync, rename over the target. On any failure (ENOSPC included) the temporary file is removed:
 * none outlives the call.
 */
export async function writeFileAtomic(path: string, data: FileData, opts: AtomicWriteOptions = {}): Promise<void> {
  const tmp = temporaryName(path);
  const fh = await open(tmp, EXCLUSIVE, opts.mode ?? 0o644);
  try {
    await writeData(fh, data, tmp);
    if (opts.fsync !== false) await fh.sync();
  } catch (err) {
    await fh.close().catch(() => {});
    await unlinkQuietlyAsync(tmp);
    throw err;
  }
  await fh.close();
  try {
    if (opts.landIf === undefined) await rename(tmp, path);
    else if (opts.landIf()) renameSync(tmp, path);
    else await unlink(tmp);
  } catch (err) {
    await unlinkQuietlyAsync(tmp);
    throw err;
  }
}

/** writeFileAtomic for the few places that must finish before the event loop turns again. */
export function writeFileAtomicSync(path: string, data: string, opts: AtomicWriteOptions = {}): void {
  const tmp = temporaryName(path);
  createExclusiveSync(tmp, data, opts.mode ?? 0o644, { fsync: opts.fsync !== false });
  try {
    renameSync(tmp, path);
  } catch (err) {
    unlinkQuietly(tmp);
    throw err;
  }
}

/** createExclusive for callers that must not yield (a lock taken before a mirror is touched). */
export function createExclusiveSync(path: string, data: string, mode = 0o644, opts: { fsync?: boolean } = {}): void {
  const fd = openSync(path, EXCLUSIVE, mode);
  try {
    const buf = Buffer.from(data);
    for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
    if (opts.fsync === true) fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkQuietly(path);
    throw err;
  }
  closeSync(fd);
}

/** Removes `path` if it can; a file already gone (or not removable) is no error here. */
export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already
  }
}

/**
 * unlinkQuietly in Node's thread pool. An unlink can wait for the disk: ext4 starts writing a
 * file out when it is renamed over another (auto_da_alloc), and removing it then waits for that
 * write. A lock record rewritten that way took 2.2 ms on average to remove, up to 14 ms, with
 * gits writing beside it; here the wait blocks a pool thread, not the event loop.
 */
export async function unlinkQuietlyAsync(path: string): Promise<void> {
  await unlink(path).catch(() => {});
}
