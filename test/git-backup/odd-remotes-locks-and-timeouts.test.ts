import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { gitBackupSpec } from "../../src/jobs/git-backup/spec.js";
import { git, withGit } from "./helpers/git-fixtures.js";
import { parsePromText } from "./helpers/prom-text-parser.js";
import { mirroredUpstream } from "./helpers/mirrored-upstream.js";
import { runJob } from "./helpers/run-job.js";
import { startSilentServer } from "./helpers/servers.js";

withGit.describe("git-backup over a real git daemon: odd remotes, locks and timeouts", () => {
  const fx = mirroredUpstream("gb-hardening");
  const { tmp, dir, stateDir } = fx;
  const odd = 'we"ird\\na\nme.git';

  test("a --timeout longer than a JavaScript timer can hold (24.8 days) does not kill every fetch at once", async () => {
    const c = fx.up.commit();
    fx.up.push();
    const run = await runJob([dir, "--timeout", "30d"], { stateDir });
    expect(run.repo("repo.git")).toMatchObject({ status: "updated" });
    expect(git(join(dir, "repo.git"), "rev-parse", "refs/heads/main")).toBe(c);
  });

  test("a lock whose holder was killed but not yet reaped (a zombie) is taken over", async () => {
    // sh starts a short child, then becomes `sleep` before it ends; sleep never reaps it: a zombie whose pid
    // still answers kill(pid, 0).
    const parent = spawn("sh", ["-c", "sleep 0.3 & echo $!; exec sleep 30"], { stdio: ["ignore", "pipe", "ignore"] });
    try {
      const zombie = Number(await new Promise<string>((r) => parent.stdout.once("data", (b: Buffer) => r(b.toString().trim()))));
      for (let i = 0; i < 1500 && !/^Z/.test(psState(zombie)); i++) await new Promise((r) => setTimeout(r, 20));
      expect(psState(zombie)).toMatch(/^Z/);
      writeFileSync(join(dir, "repo.git", "chime-backup.lock"), JSON.stringify({ pid: zombie, host: hostname() }));
      const c = fx.up.commit();
      fx.up.push();
      const run = await runJob([dir], { stateDir });
      expect(run.repo("repo.git")).toMatchObject({ status: "updated" });
      expect(git(join(dir, "repo.git"), "rev-parse", "refs/heads/main")).toBe(c);
      expect(existsSync(join(dir, "repo.git", "chime-backup.lock"))).toBe(false);
    } finally {
      parent.kill("SIGKILL");
      await new Promise((r) => parent.once("exit", r));
    }
  });

  test("a real run's --prom-file passes the strict parser, a mirror with quotes and newlines in its name included", async () => {
    git(dir, "clone", "--quiet", "--mirror", fx.daemon.url("repo.git"), odd);
    const prom = join(tmp.path, "gb.prom");
    const run = await runJob([dir, "--prom-file", prom], { stateDir });
    expect(run.result.status).toBe("ok");
    const families = parsePromText(readFileSync(prom, "utf8"));
    const repos = families.get("chime_git_backup_last_success_timestamp_seconds")?.samples.map((s) => s.labels.repo);
    expect(repos?.sort()).toEqual(["repo.git", odd].sort());
    expect(families.get("chime_git_backup_run_duration_seconds")?.samples[0]?.value).toBeGreaterThan(0);
  });

  test("a remote with several URLs: git fetches from the first, and a password in any of them is removed", async () => {
    const m = join(dir, "two-urls.git");
    git(dir, "clone", "--quiet", "--mirror", fx.daemon.url("repo.git"), "two-urls.git");
    git(m, "config", "--replace-all", "remote.origin.url", fx.daemon.url("repo.git").replace("git://", "git://someone:hunter2-first@"));
    git(m, "config", "--add", "remote.origin.url", "http://other:hunter2-second@127.0.0.1:9/x.git");
    const run = await runJob([dir, "--retries", "0"], { stateDir });
    expect(String(run.repo("two-urls.git")?.notes)).toMatch(/removed credentials from remote URL/);
    expect(run.repo("two-urls.git")?.status).toBe("unchanged");
    expect(run.text).not.toContain("hunter2");
    expect(readFileSync(join(m, "config"), "utf8")).not.toContain("hunter2");
    expect(git(m, "config", "--get-all", "remote.origin.url").split("\n")).toEqual([fx.daemon.url("repo.git"), "http://127.0.0.1:9/x.git"]);
  });

  test("a helper that left git's process group holding its stderr does not hang the run", async () => {
    // An ssh that daemonizes (or anything started with setsid) keeps git's stderr open after
    // git exits; the run must still end, well inside the --timeout.
    const pidFile = join(tmp.path, "escaped.pid");
    const ssh = join(tmp.path, "fake-ssh");
    writeFileSync(
      ssh,
      // it exits only once the helper has left its group and said so (or after 20 s): before
      // that, the helper is still in git's process group, and the run's kill of that group
      // would take it too
      `#!/bin/sh\nsetsid sh -c 'echo $$ > "${pidFile}.tmp" && mv "${pidFile}.tmp" "${pidFile}"; exec sleep 30' </dev/null >/dev/null &\ni=0; while [ ! -s "${pidFile}" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done\necho "fake ssh: connection refused" >&2\nexit 255\n`,
      { mode: 0o755 },
    );
    const d = join(tmp.path, "backup-ssh");
    mkdirSync(d);
    git(d, "init", "--quiet", "--bare", "held.git");
    git(join(d, "held.git"), "remote", "add", "origin", "ssh://127.0.0.1/x.git");
    const started = Date.now();
    try {
      const run = await runJob([d, "--retries", "0", "--timeout", "60s"], {
        stateDir: join(tmp.path, "state-ssh"),
        env: { GIT_SSH_COMMAND: ssh },
      });
      expect(run.repo("held.git")).toMatchObject({ status: "failed" });
      expect(String(run.repo("held.git")?.error)).toMatch(/fake ssh: connection refused|Could not read from remote/);
      // the escaped helper holds git's stderr for 30 s and the run's --timeout is 60 s: ending
      // well before either is the run not waiting for the pipe (a bound, not a latency)
      expect(Date.now() - started).toBeLessThan(25_000);
    } finally {
      // the file is renamed into place whole, and the fake ssh exits only after it is there
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8")) : 0;
      if (pid > 1) process.kill(pid, "SIGKILL");
    }
  }, 40_000);

  test("a plain `git fetch` run by hand (the old shell loop) with the user's fetch.prune=true no longer prunes a mirror behind chime's back", async () => {
    const m = join(dir, "repo.git");
    git(fx.up.work, "branch", "doomed");
    fx.up.push("doomed");
    await runJob([dir], { stateDir });
    const tip = git(m, "rev-parse", "refs/heads/doomed");
    fx.up.push(":doomed");
    const userConfig = join(tmp.path, "user-gitconfig");
    writeFileSync(userConfig, "[fetch]\n\tprune = true\n\tpruneTags = true\n");
    execFileSync("git", ["fetch", "--all", "--quiet"], {
      cwd: m,
      env: { PATH: process.env.PATH, HOME: tmp.path, GIT_CONFIG_GLOBAL: userConfig, GIT_CONFIG_NOSYSTEM: "1" },
    });
    expect(git(m, "rev-parse", "refs/heads/doomed")).toBe(tip);
    // chime's own run then prunes it, and keeps its tip
    const run = await runJob([dir], { stateDir });
    expect(run.repo("repo.git")).toMatchObject({ status: "updated", refs_saved: 1 });
    expect(git(m, "for-each-ref", "--format=%(objectname)", "refs/backup/*/heads/doomed")).toBe(tip);
  });

  test("an unusable DIR (an unmounted disk) shows in --prom-file, with the mirrors' last successes kept", async () => {
    const prom = join(tmp.path, "gone-dir.prom");
    await runJob([dir, "--prom-file", prom], { stateDir });
    const good = parsePromText(readFileSync(prom, "utf8"));
    expect(good.get("chime_git_backup_dir_usable")?.samples[0]?.value).toBe(1);
    const lastGood = good.get("chime_git_backup_last_success_timestamp_seconds")?.samples.find((x) => x.labels.repo === "repo.git")?.value;
    expect(lastGood).toBeGreaterThan(0);

    const run = await runJob([join(tmp.path, "not-mounted"), "--prom-file", prom], { stateDir });
    expect(run.result.status).toBe("critical");
    const bad = parsePromText(readFileSync(prom, "utf8"));
    expect(bad.get("chime_git_backup_dir_usable")?.samples[0]?.value).toBe(0);
    expect(bad.get("chime_git_backup_last_success_timestamp_seconds")?.samples.find((x) => x.labels.repo === "repo.git")?.value).toBe(
      lastGood,
    );
    expect(bad.get("chime_git_backup_last_run_timestamp_seconds")?.samples[0]?.value).toBeGreaterThanOrEqual(lastGood ?? 0);
  });

  test("a fetch orphaned before its group was recorded (kill -9 right after spawning) is found by its lock token and killed", async () => {
    const m = join(dir, "repo.git");
    const silent = await startSilentServer();
    const token = "0123456789abcdef0123456789abcdef";
    // what a run killed between spawn and recordGit leaves: a lock naming a dead pid and the
    // token only, and its git, in a group of its own, still hanging on a fetch
    const orphan = spawn("git", ["-c", `chime.lock=${token}`, "fetch", `git://127.0.0.1:${silent.port}/x.git`], {
      cwd: m,
      env: { PATH: process.env.PATH, GIT_DIR: m },
      detached: true,
      stdio: "ignore",
    });
    const gone = new Promise<string | null>((r) => orphan.once("exit", (_code, sig) => r(sig)));
    try {
      writeFileSync(join(m, "chime-backup.lock"), JSON.stringify({ pid: 2 ** 22 + 17, host: hostname(), token }));
      const c = fx.up.commit();
      fx.up.push();
      const run = await runJob([dir], { stateDir });
      expect(run.repo("repo.git")).toMatchObject({ status: "updated" });
      expect(git(m, "rev-parse", "refs/heads/main")).toBe(c);
      expect(await Promise.race([gone, new Promise((r) => setTimeout(() => r("still running"), 5000))])).toBe("SIGKILL");
    } finally {
      if (orphan.exitCode === null && orphan.signalCode === null) process.kill(-orphan.pid!, "SIGKILL");
      await gone;
      await silent.stop();
    }
  });

  test("a --timeout under a second is refused with the value and where it came from", () => {
    expect(() => gitBackupSpec.create([dir, "--timeout", "500ms"], {})).toThrow('git-backup: --timeout: must be at least 1s: "500ms"');
    expect(() => gitBackupSpec.create([dir], { CHIME_GIT_BACKUP_TIMEOUT: "0" })).toThrow(
      'git-backup: CHIME_GIT_BACKUP_TIMEOUT (environment): must be at least 1s: "0"',
    );
  });
});

function psState(pid: number): string {
  try {
    return execFileSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}
