import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { git, gitStatus, tempDir, Upstream } from "./helpers/git-fixtures.js";
import { runJob } from "./helpers/run-job.js";
import { startGitDaemon, type GitDaemon } from "./helpers/servers.js";

/** Refs that contain `commit`: empty means a gc may delete it. */
function refsContaining(mirror: string, commit: string): string[] {
  return git(mirror, "for-each-ref", `--contains=${commit}`, "--format=%(refname)").split("\n").filter(Boolean);
}

function brutalGc(mirror: string): void {
  git(mirror, "-c", "gc.reflogExpire=now", "-c", "gc.reflogExpireUnreachable=now", "gc", "--quiet", "--prune=now");
}

describe("a server that forges git's fast-forward report lines (issue 8 §1)", () => {
  const tmp = tempDir("gb-forge");
  const root = join(tmp.path, "upstream");
  const work = join(tmp.path, "work");
  const dir = join(tmp.path, "backup");
  const stateDir = join(tmp.path, "state");
  const mirror = join(dir, "proj.git");
  const message = join(tmp.path, "sideband-message");
  const hookRan = join(tmp.path, "hook-ran");
  let daemon: GitDaemon;
  let up: Upstream;

  beforeAll(async () => {
    for (const d of [root, work, dir]) mkdirSync(d);
    // pack-objects' stderr reaches the client as sideband text ("remote: …"); the hook puts
    // there whatever the test wrote into `message`. git reads this hook only from protected
    // (global/system) config, so the daemon gets a global config of its own.
    const hook = join(tmp.path, "pack-objects-hook");
    writeFileSync(hook, `#!/bin/sh\ntouch '${hookRan}'\ncat '${message}' >&2 2>/dev/null\nexec "$@"\n`);
    chmodSync(hook, 0o755);
    const globalConfig = join(tmp.path, "daemon-gitconfig");
    writeFileSync(globalConfig, `[uploadpack]\n\tpackObjectsHook = ${hook}\n`);
    daemon = await startGitDaemon(root, { GIT_CONFIG_GLOBAL: globalConfig });
    up = new Upstream(root, "proj", work);
    up.commit("A");
    up.push("main");
    git(dir, "clone", "--quiet", "--mirror", daemon.url("proj.git"), "proj.git");
  });
  afterAll(async () => {
    await daemon.stop();
    tmp.remove();
  });

  test("a force-push reported as a fast-forward by sideband text (U+2028 + '   OLD..NEW  feature -> feature') is still saved; after deletion and gc --prune=now the old commits are reachable from refs/backup", async () => {
    const base = up.rev("main");
    git(up.work, "checkout", "--quiet", "-b", "feature", base);
    const f1 = up.commit("F1");
    const f2 = up.commit("F2");
    up.push("feature");
    expect((await runJob([dir], { stateDir })).repo("proj.git")?.status).toBe("updated");
    expect(git(mirror, "rev-parse", "refs/heads/feature")).toBe(f2);

    // force-push feature to a commit that does not contain F1/F2
    git(up.work, "reset", "--quiet", "--hard", base);
    const g = up.commit("G");
    up.push("feature");
    // the forged "fast-forward" line for exactly this update, behind a line separator
    writeFileSync(message, `Counting objects: done.\u2028   ${f2}..${g}  feature -> feature\n`);
    const run = await runJob([dir], { stateDir, nowMs: () => Date.UTC(2026, 11, 2, 7, 0, 0) });
    expect(existsSync(hookRan)).toBe(true);
    expect(run.repo("proj.git")).toMatchObject({ status: "updated", refs_updated: 1, refs_saved: 1 });
    expect(git(mirror, "rev-parse", "refs/backup/20261202T070000Z/heads/feature")).toBe(f2);

    // then the branch goes away upstream, and someone gc's the mirror as hard as possible
    git(up.work, "push", "--quiet", "origin", ":feature");
    writeFileSync(message, "");
    await runJob([dir], { stateDir, nowMs: () => Date.UTC(2026, 11, 2, 8, 0, 0) });
    brutalGc(mirror);
    for (const c of [f1, f2, g]) {
      expect(gitStatus(mirror, "cat-file", "-e", `${c}^{commit}`), c).toBe(0);
      expect(
        refsContaining(mirror, c).some((r) => r.startsWith("refs/backup/")),
        c,
      ).toBe(true);
    }
  });
});

describe("a ref name near PATH_MAX (issue 8 §2)", () => {
  const tmp = tempDir("gb-longref");
  const root = join(tmp.path, "upstream");
  const work = join(tmp.path, "w");
  const dir = join(tmp.path, "backup");
  const stateDir = join(tmp.path, "state");
  const mirror = join(dir, "r.git");
  let daemon: GitDaemon;
  let up: Upstream;
  let longRef = "";

  beforeAll(async () => {
    for (const d of [root, work, dir]) mkdirSync(d);
    daemon = await startGitDaemon(root);
    up = new Upstream(root, "r", work);
    up.commit("A");
    up.push("main");
    // Upstream stores the ref as a file: its lock path there must fit in PATH_MAX (4096 with
    // the NUL), so the name ends 5 bytes short of that. DIR is "backup", 2 bytes shorter than
    // "upstream": the mirror can store the same name, but refs/backup/<stamp>/ adds 24 bytes.
    const prefix = join(root, "r.git", "refs/heads/");
    const room = 4090 - Buffer.byteLength(prefix) - ".lock".length;
    let name = "";
    while (room - name.length > 200) name += `${"x".repeat(199)}/`;
    name += "y".repeat(room - name.length);
    longRef = `refs/heads/${name}`;
    expect(Buffer.byteLength(join(root, "r.git", longRef)) + ".lock".length).toBe(4090);
  });
  afterAll(async () => {
    await daemon.stop();
    tmp.remove();
  });

  /** A commit only `ref` will hold, pushed to the upstream under that name. */
  const commitOnly = (ref: string, label: string): string => {
    git(up.work, "checkout", "--quiet", "--detach", up.rev("main"));
    const c = up.commit(label);
    git(up.work, "push", "--quiet", "origin", `${c}:refs/heads/carrier`);
    git(up.bare, "update-ref", ref, c);
    git(up.bare, "update-ref", "-d", "refs/heads/carrier");
    return c;
  };

  test("its old value is saved under a hashed name that records the original, the other deleted branch is saved too, and the mirror keeps updating", async () => {
    const l1 = commitOnly(longRef, "L1");
    const o1 = commitOnly("refs/heads/other", "O1");
    git(dir, "clone", "--quiet", "--mirror", daemon.url("r.git"), "r.git");
    expect(git(mirror, "rev-parse", longRef)).toBe(l1);

    // one fetch: the long branch is force-moved, "other" is deleted
    const l2 = commitOnly(longRef, "L2");
    git(up.bare, "update-ref", "-d", "refs/heads/other");
    const run = await runJob([dir], { stateDir, nowMs: () => Date.UTC(2026, 11, 2, 7, 0, 0) });
    expect(run.repo("r.git")).toMatchObject({ status: "updated", refs_updated: 2, refs_saved: 2 });
    expect(String(run.repo("r.git")?.notes)).toMatch(/name too long to keep as is/);
    expect(git(mirror, "rev-parse", longRef)).toBe(l2);
    expect(git(mirror, "rev-parse", "refs/backup/20261202T070000Z/heads/other")).toBe(o1);
    const hashed = git(mirror, "for-each-ref", "--format=%(refname)", "refs/backup/20261202T070000Z/hashed/");
    expect(hashed).toMatch(/^refs\/backup\/20261202T070000Z\/hashed\/[0-9a-f]{64}$/);
    expect(git(mirror, "rev-parse", `${hashed}^{commit}`)).toBe(l1);
    // the original name is recorded in the tag object the hashed ref points at
    expect(git(mirror, "cat-file", "tag", hashed).split("\n\n")[1]?.trim()).toBe(longRef);
    expect(existsSync(join(mirror, "chime-refs-before"))).toBe(false);

    brutalGc(mirror);
    for (const c of [l1, o1]) expect(refsContaining(mirror, c).length, c).toBeGreaterThan(0);

    // later runs: no replayed failure, new commits arrive
    const m2 = up.commit("M2");
    git(up.work, "push", "--quiet", "origin", "HEAD:refs/heads/main");
    const next = await runJob([dir], { stateDir });
    expect(next.repo("r.git")?.status).toBe("updated");
    expect(String(next.repo("r.git")?.notes ?? "")).not.toMatch(/interrupted/);
    expect(git(mirror, "rev-parse", "refs/heads/main")).toBe(m2);
  });
});
