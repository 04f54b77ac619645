import { execFileSync } from "node:child_process";
import { requires } from "../support/requires.js";
import { mkdirSync, readdirSync, rmSync, statfsSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { git, tempDir, Upstream } from "./helpers/git-fixtures.js";
import { processesMentioning } from "./helpers/processes.js";
import { runJob } from "./helpers/run-job.js";
import { startGitDaemon, type GitDaemon } from "./helpers/servers.js";

/** Mounts a 1 MiB tmpfs at `at`; returns why not if this machine does not allow it. */
function mountSmallTmpfs(at: string): string | undefined {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", at], { stdio: "pipe" });
    return undefined;
  } catch (err) {
    return `mount -t tmpfs not permitted here: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`;
  }
}

// root mounts the tmpfs; a root that may not mount (a locked-down container) fails the test with
// the reason rather than passing it quietly
requires("root", "git", "git daemon", "ps").describe("a full disk while git runs", () => {
  const tmp = tempDir("gb-enospc");
  const root = join(tmp.path, "upstream");
  const work = join(tmp.path, "work");
  const dir = join(tmp.path, "backup");
  const stateDir = join(tmp.path, "state");
  const mirror = join(dir, "repo.git");
  const filler = join(dir, "filler");
  let daemon: GitDaemon;
  let up: Upstream;
  let cannotMount: string | undefined;

  beforeAll(async () => {
    for (const d of [root, work, dir]) mkdirSync(d);
    cannotMount = mountSmallTmpfs(dir);
    daemon = await startGitDaemon(root);
    up = new Upstream(root, "repo", work);
    up.commit();
    up.push();
    if (cannotMount) return;
    git(dir, "clone", "--quiet", "--mirror", daemon.url("repo.git"), "repo.git");
    // one run to repair the config, so the run under test writes only its lock and journal
    await runJob([dir], { stateDir });
  });
  afterAll(async () => {
    await daemon.stop();
    // lazily if something still holds it (a git the job failed to stop, before the fix)
    if (!cannotMount) {
      try {
        execFileSync("umount", [dir], { stdio: "pipe" });
      } catch {
        execFileSync("umount", ["-l", dir], { stdio: "pipe" });
      }
    }
    tmp.remove();
  });

  test("ENOSPC recording the lock: git is stopped before the lock is released, main does not move behind a reported failure, no temporary file is left", async () => {
    if (cannotMount) throw new Error(cannotMount);
    const old = git(mirror, "rev-parse", "refs/heads/main");
    const next = up.commit("after");
    up.push();
    // Leave two pages: one for the lock file, one for the journal; recording the running
    // git's process group in the lock then finds the disk full.
    const fs = statfsSync(dir);
    writeFileSync(filler, Buffer.alloc(Number(fs.bavail) * fs.bsize - 2 * fs.bsize));
    expect(statfsSync(dir).bavail).toBe(2);

    const run = await runJob([dir, "--retries", "0"], { stateDir });
    expect(run.repo("repo.git")?.status).toBe("failed");
    expect(String(run.repo("repo.git")?.error)).toMatch(/cannot record the running git in chime-backup\.lock \(ENOSPC\), git stopped/);
    // When the run reports, nothing it started runs any more, and nothing moved behind its back.
    expect(processesMentioning(mirror)).toEqual([]);
    expect(git(mirror, "rev-parse", "refs/heads/main")).toBe(old);
    expect(readdirSync(mirror).filter((n) => n.endsWith(".tmp") || n.startsWith("chime-"))).toEqual([]);
    expect(readdirSync(dir).filter((n) => n !== "repo.git" && n !== "filler")).toEqual([]);

    rmSync(filler);
    const after = await runJob([dir], { stateDir });
    expect(after.repo("repo.git")?.status).toBe("updated");
    expect(git(mirror, "rev-parse", "refs/heads/main")).toBe(next);
    expect(existsSync(join(mirror, "chime-backup.lock"))).toBe(false);
  });
});
