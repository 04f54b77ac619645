import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, test } from "vitest";
import { exitCodeOfStatus } from "../../src/jobs/job.js";
import { git, gitStatus, Upstream, withGit } from "./helpers/git-fixtures.js";
import { gitBackupStage } from "./helpers/git-backup-stage.js";
import { runJob } from "./helpers/run-job.js";

withGit.describe("git-backup over a real git daemon", () => {
  const stage = gitBackupStage("gb-update");
  const { tmp, root, work, dir, stateDir } = stage;
  let a: Upstream;
  let b: Upstream;

  beforeAll(async () => {
    a = new Upstream(root, "alpha", work);
    b = new Upstream(root, "beta", work);
    a.commit();
    a.push();
    b.commit();
    b.push();
    git(dir, "clone", "--quiet", "--mirror", stage.daemon.url("alpha.git"), "alpha.git");
  });

  test("new commits upstream are fetched and counted", async () => {
    const first = await runJob([dir], { stateDir });
    expect(first.result.status).toBe("ok");
    expect(first.repo("alpha.git")).toMatchObject({ status: "unchanged", refs_updated: 0 });

    const c = a.commit();
    a.push();
    git(a.work, "tag", "v1");
    a.push("v1");
    const second = await runJob([dir], { stateDir });
    expect(second.result.status).toBe("ok");
    // main moved and v1 appeared: two refs
    expect(second.repo("alpha.git")).toMatchObject({ status: "updated", refs_updated: 2 });
    expect(git(join(dir, "alpha.git"), "rev-parse", "refs/heads/main")).toBe(c);
    expect(typeof second.repo("alpha.git")?.ms).toBe("number");
    expect(second.result.metrics).toMatchObject({ total: 1, updated: 1, unchanged: 0, new: 0, failed: 0, gone_upstream: 0 });
    expect(second.result.summary).toMatch(/^1 repository: 1 updated, 0 unchanged, 0 new, 0 failed, 0 gone upstream in \d+\.\d s$/);
  });

  test("a mirror made by clone --bare (no fetch refspec) is repaired, said so, and then updated", async () => {
    git(dir, "clone", "--quiet", "--bare", stage.daemon.url("beta.git"), "beta.git");
    // exit 1: the key is absent, so `git fetch --all` there would update nothing
    expect(gitStatus(join(dir, "beta.git"), "config", "--get-all", "remote.origin.fetch")).toBe(1);
    const c = b.commit();
    b.push();
    const run = await runJob([dir], { stateDir });
    const line = run.repo("beta.git");
    expect(line?.notes).toMatch(/added missing fetch refspec/);
    expect(line?.status).toBe("updated");
    expect(git(join(dir, "beta.git"), "rev-parse", "refs/heads/main")).toBe(c);
    expect(git(join(dir, "beta.git"), "config", "--get-all", "remote.origin.fetch").split("\n")).toEqual([
      "+refs/heads/*:refs/heads/*",
      "+refs/tags/*:refs/tags/*",
    ]);
  });

  test("a mirror made by clone --mirror gets heads+tags refspecs instead of refs/*, which would prune refs/backup", async () => {
    const m = join(dir, "alpha.git");
    expect(git(m, "config", "--get-all", "remote.origin.fetch")).toBe("+refs/heads/*:refs/heads/*\n+refs/tags/*:refs/tags/*");
  });

  test("an empty x.git inside a work tree fails alone and never touches the parent repository", async () => {
    const parent = join(tmp.path, "parentrepo");
    mkdirSync(parent);
    git(parent, "init", "--quiet", "-b", "main");
    git(parent, "commit", "--quiet", "--allow-empty", "-m", "parent");
    const inner = join(parent, "backups");
    mkdirSync(join(inner, "x.git"), { recursive: true });
    const parentConfig = readFileSync(join(parent, ".git", "config"), "utf8");
    const parentRefs = git(parent, "for-each-ref");
    const run = await runJob([inner], { stateDir: join(tmp.path, "state-inner") });
    expect(run.repo("x.git")).toMatchObject({ status: "failed" });
    expect(String(run.repo("x.git")?.error)).toMatch(/not a git repository/);
    // all mirrors failed → critical, exit 2
    expect(run.result.status).toBe("critical");
    expect(exitCodeOfStatus[run.result.status]).toBe(2);
    expect(readFileSync(join(parent, ".git", "config"), "utf8")).toBe(parentConfig);
    expect(git(parent, "for-each-ref")).toBe(parentRefs);
    expect(readdirSync(join(inner, "x.git"))).toEqual([]);
  });

  test("one failing mirror among good ones is a WARNING; other entries are reported once", async () => {
    mkdirSync(join(dir, "broken.git"));
    writeFileSync(join(dir, "README"), "notes\n");
    const run = await runJob([dir], { stateDir });
    expect(run.result.status).toBe("warning");
    expect(exitCodeOfStatus[run.result.status]).toBe(1);
    expect(run.repo("broken.git")?.status).toBe("failed");
    expect(run.repo("alpha.git")?.status).toBe("unchanged");
    expect(run.records.filter((r) => r.entry === '"README"')).toHaveLength(1);
    const again = await runJob([dir], { stateDir });
    expect(again.records.filter((r) => r.entry === '"README"')).toHaveLength(0);
  });

  test("a symlinked x.git leading outside DIR is not followed: nothing is written there", async () => {
    const outside = join(tmp.path, "outside");
    mkdirSync(outside);
    git(outside, "clone", "--quiet", "--mirror", stage.daemon.url("alpha.git"), "victim.git");
    const victim = join(outside, "victim.git");
    const config = readFileSync(join(victim, "config"), "utf8");
    const files = readdirSync(victim).sort();
    const d = join(tmp.path, "backup-symlink");
    mkdirSync(d);
    symlinkSync(victim, join(d, "evil.git"));
    const run = await runJob([d], { stateDir: join(tmp.path, "state-symlink") });
    expect(run.repo("evil.git")).toMatchObject({ status: "failed", error: "not a directory (symlinks are not followed)" });
    expect(readFileSync(join(victim, "config"), "utf8")).toBe(config);
    expect(readdirSync(victim).sort()).toEqual(files);
  });

  test("an unusable DIR is CRITICAL", async () => {
    const run = await runJob([join(tmp.path, "no-such-dir")], { stateDir });
    expect(run.result.status).toBe("critical");
    expect(run.result.summary).toMatch(/no-such-dir.*ENOENT/);
  });

  test("--prom-file gets counts, duration and a last-success time per repository", async () => {
    const prom = join(tmp.path, "gb.prom");
    const before = Math.floor(Date.now() / 1000);
    await runJob([dir, "--prom-file", prom], { stateDir });
    const text = readFileSync(prom, "utf8");
    expect(text).toMatch(/^chime_git_backup_repositories\{result="failed"\} 1$/m);
    expect(text).toMatch(/^chime_git_backup_run_duration_seconds \d+\.\d+$/m);
    const t = /^chime_git_backup_last_success_timestamp_seconds\{repo="alpha.git"\} (\d+)$/m.exec(text);
    expect(Number(t?.[1])).toBeGreaterThanOrEqual(before);
    expect(text).not.toMatch(/repo="broken.git"/);
  });
});
