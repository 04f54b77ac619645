import { randomBytes } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Writes a file so that readers (node_exporter, `chime status`, a restart after kill -9)
 * see either the old content or the new, never a torn one: temp file in the same directory,
 * fsync, rename over the target.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  // a random name, created exclusively ("wx": O_CREAT|O_EXCL, which also refuses a planted
  // symlink): nobody can predict it and pre-create or link it
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(8).toString("hex")}.tmp`);
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
