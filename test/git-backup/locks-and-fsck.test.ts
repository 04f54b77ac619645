import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { git, withGit } from "./helpers/git-fixtures.js";
import { mirroredUpstream } from "./helpers/mirrored-upstream.js";
import { runJob } from "./helpers/run-job.js";
import { hostname } from "node:os";

withGit.describe("per-mirror lock, stale git leftovers, and fsck", () => {
  const fx = mirroredUpstream("gb-locks");
  const { dir, stateDir } = fx;
  const mirror = join(dir, "repo.git");

  test("a mirror locked by a live process is left alone and reported", async () => {
    const holder = spawn("sleep", ["30"], { stdio: "ignore" });
    writeFileSync(join(mirror, "chime-backup.lock"), JSON.stringify({ pid: holder.pid, host: hostname() }));
    try {
      const run = await runJob([dir], { stateDir });
      expect(run.repo("repo.git")).toMatchObject({ status: "failed" });
      expect(String(run.repo("repo.git")?.error)).toContain(`locked by running process ${holder.pid}`);
      expect(existsSync(join(mirror, "chime-backup.lock"))).toBe(true);
    } finally {
      holder.kill("SIGKILL");
      await new Promise((r) => holder.once("exit", r));
    }
  });

  test("a lock left by a dead run is taken over, and git's stale locks and temp packs are removed", async () => {
    // what a kill -9 leaves: our lock with a dead pid, a ref lock, a half-received pack
    writeFileSync(join(mirror, "chime-backup.lock"), JSON.stringify({ pid: 2 ** 22 + 17, host: hostname() }));
    writeFileSync(join(mirror, "refs", "heads", "main.lock"), "");
    writeFileSync(join(mirror, "packed-refs.lock"), "");
    mkdirSync(join(mirror, "objects", "pack"), { recursive: true });
    writeFileSync(join(mirror, "objects", "pack", "tmp_pack_AbC123"), "partial");
    // a loose object caught between its temporary file and its rename
    mkdirSync(join(mirror, "objects", "ab"), { recursive: true });
    writeFileSync(join(mirror, "objects", "ab", "tmp_obj_Xy12Z9"), "partial");
    const c = fx.up.commit();
    fx.up.push();
    const run = await runJob([dir], { stateDir });
    expect(run.repo("repo.git")).toMatchObject({ status: "updated" });
    expect(String(run.repo("repo.git")?.notes)).toMatch(/removed stale .*refs\/heads\/main\.lock/);
    expect(git(mirror, "rev-parse", "refs/heads/main")).toBe(c);
    expect(readdirSync(join(mirror, "objects", "pack")).filter((n) => n.startsWith("tmp_"))).toEqual([]);
    expect(existsSync(join(mirror, "objects", "ab", "tmp_obj_Xy12Z9"))).toBe(false);
    expect(existsSync(join(mirror, "packed-refs.lock"))).toBe(false);
    expect(existsSync(join(mirror, "chime-backup.lock"))).toBe(false);
  });

  test("a kill in the middle of rewriting packed-refs (its lock and packed-refs.new left) does not stop later prunes", async () => {
    // git rewrites packed-refs through packed-refs.new (created with O_EXCL) under
    // packed-refs.lock; killed between the two, both stay, and every later deletion of a packed
    // ref fails with "packed-refs.new: File exists" until the file goes
    git(fx.up.work, "branch", "doomed-packed");
    fx.up.push("doomed-packed");
    await runJob([dir], { stateDir });
    git(mirror, "pack-refs", "--all");
    const tip = git(mirror, "rev-parse", "refs/heads/doomed-packed");
    fx.up.push(":doomed-packed");
    writeFileSync(join(mirror, "chime-backup.lock"), JSON.stringify({ pid: 2 ** 22 + 19, host: hostname() }));
    writeFileSync(join(mirror, "packed-refs.lock"), "");
    writeFileSync(join(mirror, "packed-refs.new"), "# pack-refs with: peeled fully-peeled sorted \n");
    const run = await runJob([dir], { stateDir });
    expect(run.repo("repo.git"), JSON.stringify(run.repo("repo.git"))).toMatchObject({ status: "updated", refs_saved: 1 });
    expect(() => git(mirror, "rev-parse", "--verify", "--quiet", "refs/heads/doomed-packed")).toThrow();
    expect(git(mirror, "for-each-ref", "--format=%(objectname)", "refs/backup/*/heads/doomed-packed")).toBe(tip);
    expect(existsSync(join(mirror, "packed-refs.new"))).toBe(false);
  });

  test("a fresh git lock without a dead run behind it is not touched (someone else's git may hold it)", async () => {
    writeFileSync(join(mirror, "refs", "heads", "other.lock"), "");
    await runJob([dir], { stateDir });
    expect(existsSync(join(mirror, "refs", "heads", "other.lock"))).toBe(true);
    await runJob([dir], { stateDir });
  });

  test("refs/backup, which grows with every saved event, is walked for stale locks only after a dead run", async () => {
    // an hour old: past the age at which a clean start removes a lock nobody can be holding
    const old = new Date(Date.now() - 3_600_000);
    const stale = (path: string): void => {
      mkdirSync(join(path, ".."), { recursive: true });
      writeFileSync(path, "");
      utimesSync(path, old, old);
    };
    const inHistory = join(mirror, "refs", "backup", "20200101T000000Z", "heads", "gone.lock");
    const onBranch = join(mirror, "refs", "heads", "other.lock");
    stale(inHistory);
    stale(onBranch);
    const clean = await runJob([dir], { stateDir });
    expect(clean.repo("repo.git")).toMatchObject({ status: "unchanged" });
    expect(existsSync(onBranch)).toBe(false);
    expect(existsSync(inHistory)).toBe(true);
    // a dead run's lock: what its gits left goes wherever it is
    writeFileSync(join(mirror, "chime-backup.lock"), JSON.stringify({ pid: 2 ** 22 + 23, host: hostname() }));
    const takeover = await runJob([dir], { stateDir });
    expect(String(takeover.repo("repo.git")?.notes)).toMatch(/removed stale .*refs\/backup\/20200101T000000Z\/heads\/gone\.lock/);
    expect(existsSync(inHistory)).toBe(false);
    rmSync(join(mirror, "refs", "backup", "20200101T000000Z"), { recursive: true });
  });

  test("--fsck-every catches a missing tree that an up-to-date fetch does not notice", async () => {
    const first = await runJob([dir, "--fsck-every", "1h"], { stateDir });
    expect(first.repo("repo.git")).toMatchObject({ status: "unchanged", fsck: "ok" });
    // within the hour: no second fsck
    const second = await runJob([dir, "--fsck-every", "1h"], { stateDir });
    expect(second.repo("repo.git")?.fsck).toBeUndefined();

    // a commit with a tree of its own, fetched as loose objects; then its tree disappears
    writeFileSync(join(fx.up.work, "file.txt"), "content\n");
    git(fx.up.work, "add", "file.txt");
    const c = fx.up.commit("with a file");
    fx.up.push();
    await runJob([dir], { stateDir });
    const tree = git(mirror, "rev-parse", `${c}^{tree}`);
    rmSync(join(mirror, "objects", tree.slice(0, 2), tree.slice(2)));

    const plain = await runJob([dir], { stateDir });
    expect(plain.repo("repo.git")?.status).toBe("unchanged");
    const checked = await runJob([dir, "--fsck-every", "0s"], { stateDir });
    expect(checked.repo("repo.git")).toMatchObject({ status: "failed", fsck: "failed" });
    expect(String(checked.repo("repo.git")?.error)).toMatch(/^fsck: /);
    expect(checked.result.status).toBe("critical");
  });
});
