import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { git, tempDir, Upstream } from "./git-fixtures.js";
import { startGitDaemon, type GitDaemon } from "./servers.js";

export interface MirroredUpstream {
  readonly tmp: { path: string; remove: () => void };
  /** bare upstream repositories, served by the git daemon */
  readonly root: string;
  readonly work: string;
  /** the backup DIR the job updates */
  readonly dir: string;
  readonly stateDir: string;
  /** the real git daemon on 127.0.0.1 (set in beforeAll) */
  daemon: GitDaemon;
  /** upstream NAME.git with one commit pushed (set in beforeAll) */
  up: Upstream;
}

/**
 * The common stage of the git-backup tests: an upstream repository with one commit, served by a
 * real git daemon, and its `clone --mirror` in DIR. Registers its own beforeAll/afterAll in the
 * calling describe block; the daemon is stopped by pid and the temp dir removed.
 */
export function mirroredUpstream(prefix: string, name = "repo"): MirroredUpstream {
  const tmp = tempDir(prefix);
  const fx = {
    tmp,
    root: join(tmp.path, "upstream"),
    work: join(tmp.path, "work"),
    dir: join(tmp.path, "backup"),
    stateDir: join(tmp.path, "state"),
  } as MirroredUpstream;
  beforeAll(async () => {
    for (const d of [fx.root, fx.work, fx.dir]) mkdirSync(d);
    fx.daemon = await startGitDaemon(fx.root);
    fx.up = new Upstream(fx.root, name, fx.work);
    fx.up.commit();
    fx.up.push();
    git(fx.dir, "clone", "--quiet", "--mirror", fx.daemon.url(`${name}.git`), `${name}.git`);
  });
  afterAll(async () => {
    await fx.daemon?.stop();
    tmp.remove();
  });
  return fx;
}
