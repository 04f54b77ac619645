import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, test } from "vitest";
import { runChime } from "../cli/chime-spawn.js";
import { parseLikeNagiosCore, parsePerfdata } from "../helpers/nagios-plugin-output.js";
import { branchedHistory, git, gitStatus, testGitEnv, Upstream, withGit } from "./helpers/git-fixtures.js";
import { gitBackupStage } from "./helpers/git-backup-stage.js";
import { runJob } from "./helpers/run-job.js";

/** gc as hostile as a user can make it: expire every reflog and prune every loose object now. */
function brutalGc(mirror: string): void {
  git(mirror, "-c", "gc.reflogExpire=now", "-c", "gc.reflogExpireUnreachable=now", "gc", "--quiet", "--prune=now");
}

const revList = (repo: string, rev: string) => git(repo, "rev-list", rev).split("\n");

interface Entry {
  repo: string;
  stamp: string;
  time: string;
  ref: string;
  oid: string;
  commit: string;
  event: string;
  current?: string;
  commitsLeft?: number;
}

withGit.describe("chime git-backup history / restore / verify on a mirror after force-pushes, a deletion and gc --prune=now", () => {
  const stage = gitBackupStage("gb-restore");
  const { tmp, root, work, dir, stateDir } = stage;
  const out = join(tmp.path, "restored");
  const mirror = join(dir, "proj.git");
  let up: Upstream;
  const c: Record<string, string> = {};
  // the original histories, read from the upstream before they were rewritten
  const original: Record<string, string[]> = {};

  beforeAll(async () => {
    mkdirSync(out);
    up = new Upstream(root, "proj", work);
    Object.assign(c, branchedHistory(up));
    original.main1 = revList(up.bare, "main");
    original.feature = revList(up.bare, "feature");
    git(dir, "clone", "--quiet", "--mirror", stage.daemon.url("proj.git"), "proj.git");
    expect((await runJob([dir], { stateDir })).result.status).toBe("ok");

    // first rewrite: main force-pushed (C dropped), feature deleted, v1 moved
    git(up.work, "reset", "--quiet", "--hard", c.B!);
    c.C2 = up.commit("C2");
    up.push("main");
    original.main2 = revList(up.bare, "main");
    git(up.work, "push", "--quiet", "origin", ":feature");
    git(up.work, "tag", "-f", "v1", c.C2);
    up.push("v1");
    expect((await runJob([dir], { stateDir, nowMs: () => Date.UTC(2026, 10, 25, 13, 45, 7) })).result.status).toBe("ok");
    brutalGc(mirror);

    // second rewrite, a day later: main back to A plus D (C2 and B leave the branch)
    git(up.work, "reset", "--quiet", "--hard", c.A!);
    c.D = up.commit("D");
    up.push("main");
    expect((await runJob([dir], { stateDir, nowMs: () => Date.UTC(2026, 10, 26, 8, 0, 0) })).result.status).toBe("ok");
    brutalGc(mirror);
  });

  test("history --json: every saved event, newest first, judged from the refs", () => {
    const r = runChime(["git-backup", "history", dir, "proj", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const entries = JSON.parse(r.stdout) as Entry[];
    expect(entries.map((e) => [e.stamp, e.ref, e.event])).toEqual([
      ["20261126T080000Z", "refs/heads/main", "force-push"],
      ["20261125T134507Z", "refs/heads/feature", "deleted"],
      ["20261125T134507Z", "refs/heads/main", "force-push"],
      ["20261125T134507Z", "refs/tags/v1", "tag moved"],
    ]);
    const [second, feature, first, v1] = entries;
    // C2 -> B -> A was main; main is now D -> A: C2 and B left the branch
    expect(second).toMatchObject({ time: "2026-11-26T08:00:00Z", oid: c.C2, current: c.D, commitsLeft: 2 });
    // C -> B -> A: C and B are not on D -> A
    expect(first).toMatchObject({ oid: c.C, current: c.D, commitsLeft: 2 });
    expect(feature).toMatchObject({ oid: c.F2, commit: c.F2 });
    expect(feature!.current).toBeUndefined();
    expect(v1).toMatchObject({ oid: c.B, current: c.C2 });
  });

  test("history as text: one line per event, the force-push with old -> new and the count", () => {
    const r = runChime(["git-backup", "history", dir]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toBe("proj.git: 4 saved");
    expect(lines[1]).toContain("2026-11-26T08:00:00Z  refs/heads/main  force-push");
    expect(lines[1]).toContain(`${c.C2!.slice(0, 12)} -> ${c.D!.slice(0, 12)}, 2 commits left the branch`);
    expect(lines[2]).toContain(`refs/heads/feature  deleted at ${c.F2!.slice(0, 12)}`);
  });

  test("restore a force-pushed branch (newest save) into a working clone: the original commits", () => {
    const path = join(out, "main-newest");
    const r = runChime(["git-backup", "restore", dir, "proj", "main", "--to", path]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(git(path, "symbolic-ref", "HEAD")).toBe("refs/heads/main");
    expect(revList(path, "HEAD")).toEqual(original.main2);
    expect(git(path, "status", "--porcelain")).toBe("");
    expect(gitStatus(path, "fsck", "--no-progress")).toBe(0);
  });

  test("restore --at an older stamp, --bare: the first history of main", () => {
    const path = join(out, "main-first.git");
    const r = runChime(["git-backup", "restore", dir, "proj.git", "heads/main", "--at", "20261125T134507Z", "--to", path, "--bare"]);
    expect(r.status).toBe(0);
    expect(git(path, "rev-parse", "--is-bare-repository")).toBe("true");
    expect(revList(path, "main")).toEqual(original.main1);
  });

  test("restore a deleted branch under another name", () => {
    const path = join(out, "feature");
    const r = runChime(["git-backup", "restore", dir, "proj", "feature", "--branch", "feature-back", "--to", path]);
    expect(r.status).toBe(0);
    expect(git(path, "symbolic-ref", "HEAD")).toBe("refs/heads/feature-back");
    expect(revList(path, "feature-back")).toEqual(original.feature);
  });

  test("restore refuses an existing PATH, even an empty directory, and leaves it as it was", () => {
    const path = join(out, "taken");
    mkdirSync(path);
    writeFileSync(join(path, "mine.txt"), "keep me");
    const r = runChime(["git-backup", "restore", dir, "proj", "main", "--to", path]);
    expect(r.status).toBe(100);
    expect(r.stderr).toContain(`--to ${path} exists: not overwritten`);
    expect(readdirSync(path)).toEqual(["mine.txt"]);
    const empty = join(out, "empty");
    mkdirSync(empty);
    expect(runChime(["git-backup", "restore", dir, "proj", "main", "--to", empty]).status).toBe(100);
    expect(readdirSync(empty)).toEqual([]);
  });

  test("bad input: exit 100 naming the value; nothing created", () => {
    const path = join(out, "never");
    const cases: [string[], string][] = [
      [["git-backup", "restore", dir, "proj", "ma..in", "--to", path], '"ma..in"'],
      [["git-backup", "restore", dir, "--to", path, "proj", "--", "-x"], '"-x"'],
      [["git-backup", "restore", dir, "nope", "main", "--to", path], "nope"],
      [["git-backup", "restore", dir, "../x", "main", "--to", path], '"../x"'],
      [["git-backup", "restore", dir, "proj", "main", "--at", "yesterday", "--to", path], '"yesterday"'],
      [["git-backup", "restore", dir, "proj", "main", "--at", "20200101T000000Z", "--to", path], "20200101T000000Z"],
      [["git-backup", "restore", dir, "proj", "rel", "--to", path], '"rel"'],
      [["git-backup", "restore", dir, "proj", "main", "--branch", "a b", "--to", path], '"a b"'],
      [["git-backup", "restore", dir, "proj", "main"], "--to PATH"],
      [["git-backup", "history", join(tmp.path, "missing")], "missing"],
      [["git-backup", "history", dir, "other"], "other"],
    ];
    for (const [args, named] of cases) {
      const r = runChime(args);
      expect(r.status, args.join(" ")).toBe(100);
      expect(r.stderr, args.join(" ")).toContain(named);
    }
    expect(existsSync(path)).toBe(false);
  });

  test("restore --push: the deleted branch goes back upstream as a new branch; an existing branch is never overwritten", () => {
    const r = runChime(["git-backup", "restore", dir, "proj", "feature", "--push", up.bare]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(revList(up.bare, "refs/heads/feature")).toEqual(original.feature);

    const mainBefore = git(up.bare, "rev-parse", "refs/heads/main");
    const again = runChime(["git-backup", "restore", dir, "proj", "main", "--push", up.bare]);
    expect(again.status).toBe(100);
    expect(again.stderr).toContain("branch main exists");
    expect(git(up.bare, "rev-parse", "refs/heads/main")).toBe(mainBefore);
    expect(mainBefore).toBe(c.D);
  });

  test("restore --push to an unreachable URL with credentials in it: exit 111, the password never shown", () => {
    const r = runChime([
      "git-backup",
      "restore",
      dir,
      "proj",
      "feature",
      "--branch",
      "x",
      "--push",
      "http://me:S3CRET-PW@127.0.0.1:1/proj.git",
    ]);
    expect(r.status).toBe(111);
    expect(r.stderr).toContain("127.0.0.1");
    expect(r.stderr + r.stdout).not.toContain("S3CRET-PW");
  });

  test("verify: OK with every saved tip counted; a saved ref whose object is gone is CRITICAL and named", () => {
    const r = runChime(["git-backup", "verify", dir]);
    const seen = parseLikeNagiosCore(r.stdout);
    expect(r.status).toBe(0);
    expect(seen.statusText).toMatch(/^GIT-BACKUP OK: 1 mirrors pass fsck, 4 saved tips present$/);
    const perf = Object.fromEntries(parsePerfdata(seen.perfdata).map((p) => [p.label, p.value]));
    expect(perf).toEqual({ mirrors: 1, saved_tips: 4, missing_tips: 0, fsck_failed: 0 });

    const damaged = join(tmp.path, "damaged");
    mkdirSync(damaged);
    cpSync(mirror, join(damaged, "proj.git"), { recursive: true });
    cpSync(mirror, join(damaged, "good.git"), { recursive: true });
    const ghost = "refs/backup/20261127T000000Z/heads/ghost";
    mkdirSync(join(damaged, "proj.git", "refs/backup/20261127T000000Z/heads"), { recursive: true });
    writeFileSync(join(damaged, "proj.git", ghost), `${"1".repeat(40)}\n`);
    const bad = runChime(["git-backup", "verify", damaged]);
    const badSeen = parseLikeNagiosCore(bad.stdout);
    expect(bad.status).toBe(2);
    expect(badSeen.statusText).toBe("GIT-BACKUP CRITICAL: 1 of 2 mirrors damaged: proj.git");
    expect(badSeen.longOutput.join("\n")).toContain(ghost);
    const badPerf = Object.fromEntries(parsePerfdata(badSeen.perfdata).map((p) => [p.label, p.value]));
    expect(badPerf.missing_tips).toBe(1);

    const unreadable = runChime(["git-backup", "verify", join(tmp.path, "nowhere")]);
    expect(unreadable.status).toBe(3);
    expect(parseLikeNagiosCore(unreadable.stdout).statusText).toMatch(/^GIT-BACKUP UNKNOWN: cannot read .*nowhere: ENOENT$/);
  });

  test("a ref saved under a hashed name is listed and restored under its original name", () => {
    // what save-old-refs writes when a name cannot be stored: a tag object whose message is the
    // original name, under refs/backup/<stamp>/hashed/<sha256 of the name>
    const name = "refs/heads/old/side";
    const record = `object ${c.F1}\ntype commit\ntag chime-saved-ref\ntagger chime git-backup <git-backup@chime.invalid> 1764547200 +0000\n\n${name}\n`;
    const tag = execFileSync("git", ["mktag"], { cwd: mirror, env: testGitEnv, input: record, encoding: "utf8" }).trim();
    const hashed = `refs/backup/20261124T000000Z/hashed/${createHash("sha256").update(name).digest("hex")}`;
    git(mirror, "update-ref", hashed, tag);

    const r = runChime(["git-backup", "history", dir, "proj", "--json"]);
    expect(r.status).toBe(0);
    const entries = JSON.parse(r.stdout) as (Entry & { backupRef: string })[];
    expect(entries.at(-1)).toMatchObject({
      stamp: "20261124T000000Z",
      ref: name,
      backupRef: hashed,
      oid: c.F1,
      commit: c.F1,
      event: "deleted",
    });

    const path = join(out, "side");
    const restored = runChime(["git-backup", "restore", dir, "proj", "old/side", "--to", path]);
    expect(restored.stderr).toBe("");
    expect(restored.status).toBe(0);
    expect(git(path, "symbolic-ref", "HEAD")).toBe("refs/heads/old/side");
    // F1's history: the feature branch without its last commit
    expect(revList(path, "HEAD")).toEqual(original.feature!.slice(1));
  });

  test("a mirror git cannot read: history exits 111 naming it, verify is CRITICAL", () => {
    const broken = join(tmp.path, "broken");
    mkdirSync(join(broken, "empty.git"), { recursive: true });
    const r = runChime(["git-backup", "history", broken]);
    expect(r.status).toBe(111);
    expect(r.stderr).toContain("empty.git");
    const v = runChime(["git-backup", "verify", broken]);
    expect(v.status).toBe(2);
    expect(parseLikeNagiosCore(v.stdout).statusText).toBe("GIT-BACKUP CRITICAL: 1 of 1 mirrors damaged: empty.git");
  });

  test("a mirror DIR named history: `chime git-backup history` alone still runs the job on it", () => {
    const cwd = join(tmp.path, "cwd");
    mkdirSync(join(cwd, "history"), { recursive: true });
    git(join(cwd, "history"), "clone", "--quiet", "--mirror", stage.daemon.url("proj.git"), "proj.git");
    const r = runChime(["git-backup", "history"], { cwd, env: { CHIME_STATE_DIR: join(cwd, "state") }, timeoutMs: 60_000 });
    expect(r.status).toBe(0);
    // the job ran: it configured the mirror's history settings
    expect(git(join(cwd, "history", "proj.git"), "config", "--get", "gc.pruneExpire")).toBe("never");
  });
});
