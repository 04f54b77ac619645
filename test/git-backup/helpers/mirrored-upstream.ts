import { beforeAll } from "vitest";
import { type GitBackupStage, gitBackupStage } from "./git-backup-stage.js";
import { git, Upstream } from "./git-fixtures.js";

export interface MirroredUpstream extends GitBackupStage {
  /** upstream NAME.git with one commit pushed (set in beforeAll) */
  readonly up: Upstream;
}

/**
 * The git-backup stage (git-backup-stage.ts) with an upstream repository of one commit and its
 * `clone --mirror` in DIR.
 */
export function mirroredUpstream(prefix: string, name = "repo"): MirroredUpstream {
  const stage = gitBackupStage(prefix);
  let up: Upstream | undefined;
  beforeAll(() => {
    up = new Upstream(stage.root, name, stage.work);
    up.commit();
    up.push();
    git(stage.dir, "clone", "--quiet", "--mirror", stage.daemon.url(`${name}.git`), `${name}.git`);
  });
  const fx = Object.create(stage) as MirroredUpstream;
  Object.defineProperty(fx, "up", {
    get: (): Upstream => {
      if (up === undefined) throw new Error("the upstream is made in beforeAll");
      return up;
    },
  });
  return fx;
}
