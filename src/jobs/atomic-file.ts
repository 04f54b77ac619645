import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Writes a file so that readers (node_exporter, `chime status`, a restart after kill -9)
 * see either the old content or the new, never a torn one: temp file in the same directory,
 * fsync, rename over the target.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fh = await open(tmp, "wx", 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
}

/**
 * The same, without yielding and without fsync: for a record that must be in place before
 * anything else happens (the process group a run just started — a kill -9 of chime may come
 * at any moment). What it guards against is the death of chime, not of the machine (which
 * takes the processes with it): the page cache is enough, and an fsync here would stall the
 * event loop on a busy disk.
 */
export function writeFileAtomicSync(path: string, data: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`);
  const fd = openSync(tmp, "wx", 0o644);
  try {
    writeSync(fd, data);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // closed already
    }
    rmSync(tmp, { force: true });
    throw err;
  }
}
