import { lstat, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { randomSuffix, unlinkQuietlyAsync, writeFileAtomic } from "../jobs/atomic-file.js";
import { fileKind } from "../jobs/regular-file.js";
import type { FileStateStore } from "./run-state.js";

/**
 * What a service checks before it does anything else: that it can keep its records. Without
 * this an unwritable or missing --state-dir let a service start and then warn at every run,
 * silently losing catch-up and `chime status`. One probe does what every record write does
 * — create exclusively, write, fsync, rename — and is removed again.
 */
export class StateDirError extends Error {
  constructor(
    readonly dir: string,
    /** the errno code ("EACCES", "ENOENT") or what was found ("fifo") */
    readonly code: string,
    /** what was tried: "create", "write, fsync and rename in", "use the state file" */
    readonly action: string,
    readonly path: string = dir,
  ) {
    super(`unable to ${action} ${path}: ${code}`);
  }
}

export async function checkStateDir(store: FileStateStore, tags: readonly string[]): Promise<void> {
  const dir = store.dir;
  // Created if missing, but never its parents: a mistyped path must not grow a fresh tree
  // and quietly start without the service's history.
  await mkdir(dir, { mode: 0o700 }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== "EEXIST") throw new StateDirError(dir, e.code ?? String(e), "create the state directory");
  });
  const probe = join(dir, `.chime-probe-${randomSuffix()}`);
  try {
    await writeFileAtomic(probe, "probe\n");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new StateDirError(dir, err.code ?? String(e), "create, write, fsync and rename a file in the state directory");
  }
  await unlinkQuietlyAsync(probe);
  for (const tag of tags) {
    await expectRegularOrAbsent(dir, store.path(tag));
    // the job's own directory: made now, so a run never starts without it
    await store.prepareJobDir(tag).catch((e: NodeJS.ErrnoException) => {
      throw new StateDirError(dir, e.code ?? String(e), "create the job's state directory", join(dir, tag));
    });
  }
}

/** A record that is absent is fine (the first run writes it); a FIFO or a symlink is not. */
async function expectRegularOrAbsent(dir: string, path: string): Promise<void> {
  const st = await lstat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return null;
    throw new StateDirError(dir, e.code ?? String(e), "use the state file", path);
  });
  if (st && !st.isFile()) throw new StateDirError(dir, `it is a ${fileKind(st)}, not a regular file`, "use the state file", path);
}
