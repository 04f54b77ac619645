import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { upstreamDefaultBranch } from "../../src/jobs/git-backup/mirror-head.js";
import { git, Upstream } from "./helpers/git-fixtures.js";
import { gitBackupStage } from "./helpers/git-backup-stage.js";
import { runJob } from "./helpers/run-job.js";

describe("HEAD follows the upstream's default branch (issue 9 §9, issue 15 §3)", () => {
  const stage = gitBackupStage("gb-head");
  const { tmp, root, work, dir, stateDir } = stage;
  const mirror = join(dir, "proj.git");
  let up: Upstream;

  beforeAll(async () => {
    up = new Upstream(root, "proj", work);
    up.commit("on main");
    up.push("main");
    git(up.work, "checkout", "--quiet", "-b", "develop");
    up.commit("on develop");
    up.push("develop");
    // the upstream's default branch is neither git's "master" nor "main"
    git(up.bare, "symbolic-ref", "HEAD", "refs/heads/develop");
    // a mirror made by hand the way many are: init --bare + remote; HEAD is an unborn master
    git(dir, "init", "--quiet", "--bare", "-b", "master", "proj.git");
    git(mirror, "remote", "add", "origin", stage.daemon.url("proj.git"));
  });

  test("a mirror made with git init --bare gets HEAD = the upstream's default branch, so a git clone of it checks out that branch", async () => {
    const run = await runJob([dir], { stateDir });
    expect(run.repo("proj.git")?.status).toBe("updated");
    expect(String(run.repo("proj.git")?.notes)).toContain("HEAD set to refs/heads/develop (upstream default branch)");
    expect(git(mirror, "symbolic-ref", "HEAD")).toBe("refs/heads/develop");
    const restored = join(tmp.path, "restored");
    git(tmp.path, "clone", "--quiet", mirror, restored);
    expect(git(restored, "rev-parse", "--abbrev-ref", "HEAD")).toBe("develop");
    expect(git(restored, "rev-parse", "HEAD")).toBe(up.rev("develop"));

    // once HEAD names a branch we have, nothing more is asked or changed
    const again = await runJob([dir], { stateDir });
    expect(String(again.repo("proj.git")?.notes ?? "")).not.toContain("HEAD");
  });

  test("what the server says is used only if it names a branch this mirror fetched", () => {
    const fetched = new Map([
      ["refs/heads/main", "a".repeat(40)],
      ["refs/tags/v1", "b".repeat(40)],
    ]);
    expect(upstreamDefaultBranch("ref: refs/heads/main\tHEAD\naaaa\tHEAD\n", fetched)).toBe("refs/heads/main");
    for (const hostile of [
      "ref: refs/heads/gone\tHEAD",
      "ref: refs/tags/v1\tHEAD",
      "ref: refs/heads/../../config\tHEAD",
      "ref: refs/heads/main\tHEADX",
      "ref: --upload-pack=x\tHEAD",
    ]) {
      expect(upstreamDefaultBranch(hostile, fetched), hostile).toBeUndefined();
    }
  });
});
