import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { tempDir } from "./git-fixtures.js";
import { type GitDaemon, startGitDaemon } from "./servers.js";

export interface GitBackupStage {
  readonly tmp: { path: string; remove: () => void };
  /** bare upstream repositories, served by the git daemon */
  readonly root: string;
  /** where Upstream work trees live, outside what the daemon exports */
  readonly work: string;
  /** the backup DIR the job updates */
  readonly dir: string;
  /** the job's state directory (created by the job) */
  readonly stateDir: string;
  /** the real git daemon on 127.0.0.1, serving `root` (set in beforeAll) */
  readonly daemon: GitDaemon;
}

/**
 * The stage every git-backup test over a real git daemon starts from: a temp directory with
 * `upstream/`, `work/` and `backup/`, and a git daemon serving `upstream/`. Registers its own
 * beforeAll/afterAll in the calling describe block, before the caller's own: the daemon is up
 * in the caller's beforeAll, and stopped by pid (and the temp dir removed) after its afterAll.
 */
export function gitBackupStage(prefix: string): GitBackupStage {
  const tmp = tempDir(prefix);
  let daemon: GitDaemon | undefined;
  const stage = {
    tmp,
    root: join(tmp.path, "upstream"),
    work: join(tmp.path, "work"),
    dir: join(tmp.path, "backup"),
    stateDir: join(tmp.path, "state"),
    get daemon(): GitDaemon {
      if (daemon === undefined) throw new Error("the git daemon starts in beforeAll");
      return daemon;
    },
  };
  beforeAll(async () => {
    for (const d of [stage.root, stage.work, stage.dir]) mkdirSync(d);
    daemon = await startGitDaemon(stage.root);
  });
  afterAll(async () => {
    await daemon?.stop();
    tmp.remove();
  });
  return stage;
}
