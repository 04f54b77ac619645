import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, test } from "vitest";
import { branchedHistory, git, gitStatus, Upstream, withGit } from "./helpers/git-fixtures.js";
import { gitBackupStage } from "./helpers/git-backup-stage.js";
import { runJob } from "./helpers/run-job.js";

/** Refs that contain `commit`: empty means a gc may delete it. */
function refsContaining(mirror: string, commit: string): string[] {
  return git(mirror, "for-each-ref", `--contains=${commit}`, "--format=%(refname)").split("\n").filter(Boolean);
}

/** gc as hostile as a user can make it: expire every reflog and prune every loose object now. */
function brutalGc(mirror: string): void {
  git(mirror, "-c", "gc.reflogExpire=now", "-c", "gc.reflogExpireUnreachable=now", "gc", "--quiet", "--prune=now");
}

withGit.describe("nothing ever fetched is lost (reference §2 scenario S5)", () => {
  const stage = gitBackupStage("gb-history");
  const { root, work, dir, stateDir } = stage;
  const mirror = join(dir, "proj.git");
  let up: Upstream;
  const c: Record<string, string> = {};

  beforeAll(async () => {
    up = new Upstream(root, "proj", work);
    Object.assign(c, branchedHistory(up));
    git(dir, "clone", "--quiet", "--mirror", stage.daemon.url("proj.git"), "proj.git");
    const first = await runJob([dir], { stateDir });
    expect(first.result.status).toBe("ok");
  });

  test("force-push, moved tag and deleted branch: every old commit stays reachable, even after gc --prune=now", async () => {
    const oldV1 = up.rev("v1");
    git(up.work, "reset", "--quiet", "--hard", c.B!);
    c.C2 = up.commit("C2");
    up.push("main");
    git(up.work, "push", "--quiet", "origin", ":feature");
    git(up.work, "tag", "-f", "v1", c.C2);
    up.push("v1");

    const run = await runJob([dir], { stateDir, nowMs: () => Date.UTC(2026, 10, 25, 13, 45, 7) });
    expect(run.result.status).toBe("ok");
    // main rewritten, feature deleted, v1 moved: 3 refs changed, all 3 old values saved
    expect(run.repo("proj.git")).toMatchObject({ status: "updated", refs_updated: 3, refs_saved: 3 });
    expect(git(mirror, "rev-parse", "refs/heads/main")).toBe(c.C2);
    expect(gitStatus(mirror, "rev-parse", "--verify", "--quiet", "refs/heads/feature")).not.toBe(0);

    brutalGc(mirror);
    for (const k of ["A", "B", "C", "F1", "F2", "C2"]) {
      expect(gitStatus(mirror, "cat-file", "-e", `${c[k]}^{commit}`), k).toBe(0);
      expect(refsContaining(mirror, c[k]!).length, k).toBeGreaterThan(0);
    }
    expect(git(mirror, "rev-parse", "refs/backup/20261125T134507Z/heads/main")).toBe(c.C);
    expect(git(mirror, "rev-parse", "refs/backup/20261125T134507Z/heads/feature")).toBe(c.F2);
    expect(git(mirror, "rev-parse", "refs/backup/20261125T134507Z/tags/v1")).toBe(oldV1);
    expect(gitStatus(mirror, "fsck", "--full", "--no-progress")).toBe(0);
  });

  test("refs/backup survives later fetches with --prune, and a second rewrite is kept too", async () => {
    git(up.work, "reset", "--quiet", "--hard", c.A!);
    c.C3 = up.commit("C3");
    up.push("main");
    const run = await runJob([dir], { stateDir, nowMs: () => Date.UTC(2026, 10, 25, 14, 45, 7) });
    expect(run.repo("proj.git")).toMatchObject({ status: "updated", refs_saved: 1 });
    await runJob([dir], { stateDir });
    brutalGc(mirror);
    expect(git(mirror, "rev-parse", "refs/backup/20261125T134507Z/heads/main")).toBe(c.C);
    expect(git(mirror, "rev-parse", "refs/backup/20261125T144507Z/heads/main")).toBe(c.C2);
    for (const k of ["C", "C2", "C3", "F2"]) expect(refsContaining(mirror, c[k]!).length, k).toBeGreaterThan(0);
  });

  test("a fast-forward saves nothing", async () => {
    up.commit("D");
    up.push("main");
    const backupsBefore = git(mirror, "for-each-ref", "refs/backup");
    const run = await runJob([dir], { stateDir });
    expect(run.repo("proj.git")).toMatchObject({ status: "updated", refs_updated: 1 });
    expect(run.repo("proj.git")?.refs_saved).toBeUndefined();
    expect(git(mirror, "for-each-ref", "refs/backup")).toBe(backupsBefore);
  });

  test("killed between fetch and save: the journal lets the next run save what the fetch overwrote", async () => {
    const tip = up.rev("main");
    // What a run leaves when killed right after its fetch: the journal of the refs before,
    // and refs already moved by the fetch.
    writeFileSync(join(mirror, "chime-refs-before"), `${tip} refs/heads/main\n${tip} refs/heads/gone-branch\n`);
    git(up.work, "reset", "--quiet", "--hard", c.A!);
    const rewritten = up.commit("E");
    up.push("main");
    git(mirror, "fetch", "--quiet", "--prune", "origin", "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*");
    expect(git(mirror, "rev-parse", "refs/heads/main")).toBe(rewritten);

    const run = await runJob([dir], { stateDir, nowMs: () => Date.UTC(2026, 10, 25, 15, 0, 0) });
    expect(run.repo("proj.git")?.notes).toMatch(/finished an interrupted run/);
    brutalGc(mirror);
    expect(git(mirror, "rev-parse", "refs/backup/20261125T150000Z/heads/main")).toBe(tip);
    expect(git(mirror, "rev-parse", "refs/backup/20261125T150000Z/heads/gone-branch")).toBe(tip);
    expect(existsSync(join(mirror, "chime-refs-before"))).toBe(false);
  });

  test("a journal naming an object the mirror never had does not block the run (nothing to keep)", async () => {
    const tip = git(mirror, "rev-parse", "refs/heads/main");
    writeFileSync(join(mirror, "chime-refs-before"), `${"1".repeat(40)} refs/heads/ghost\n${tip} refs/heads/main\n`);
    const run = await runJob([dir], { stateDir });
    expect(run.repo("proj.git")?.status).not.toBe("failed");
    // nothing to keep, but never silently: the log line names the ref and the object
    expect(String(run.repo("proj.git")?.notes)).toContain(
      `old values no longer in the mirror, not kept: refs/heads/ghost ${"1".repeat(12)}`,
    );
    expect(existsSync(join(mirror, "chime-refs-before"))).toBe(false);
    expect(
      git(mirror, "for-each-ref", "--format=%(refname)", "refs/backup")
        .split("\n")
        .filter((r) => r.endsWith("/ghost")),
    ).toEqual([]);
  });
});
