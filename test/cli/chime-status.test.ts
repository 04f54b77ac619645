import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeRecord } from "../../src/cli/chime-status.js";
import { ChimeProcess, isRoot, runChime, tempDir } from "./chime-spawn.js";
import { tz } from "../zones.js";

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir("chime-status-");
});
afterAll(async () => {
  await tmp.cleanup();
});

describe("chime status (like svstat): last run, result, next run per job", () => {
  it("describes a record: result, age, duration, summary, next run", () => {
    const now = Date.parse("2026-11-25T12:00:00Z");
    const line = describeRecord(
      "backup",
      {
        job: "backup",
        lastStartMs: now - 62_000,
        lastEndMs: now - 60_000,
        lastStatus: "warning",
        lastSummary: "2 repos stale",
        nextRunAtMs: now + 3_540_000,
        runs: 12,
      },
      tz("Europe/Berlin"),
      now,
    );
    expect(line).toBe(
      "backup: last run warning 60 seconds ago (2026-11-25T12:59:00+01:00, took 2.000 s): 2 repos stale; next run in 3540 seconds (2026-11-25T13:59:00+01:00); 12 runs",
    );
    expect(describeRecord("x", { job: "x", lastStartMs: now - 5000, lastEndMs: now - 90_000, lastStatus: "ok" }, tz("UTC"), now)).toMatch(
      /^x: running for 5 seconds \(since 2026-11-25T11:59:55Z\); last run ok 90 seconds ago/,
    );
    expect(describeRecord("y", { job: "y", nextRunAtMs: now - 7_200_000 }, tz("UTC"), now)).toBe(
      "y: never run; next run was due 7200 seconds ago (2026-11-25T10:00:00Z); is chime running?",
    );
  });

  it("a run whose chime is gone is not 'running': it did not finish", () => {
    const now = Date.parse("2026-11-25T12:00:00Z");
    const rec = { job: "b", pid: 4242, lastStartMs: now - 600_000, nextRunAtMs: now - 300_000 };
    expect(describeRecord("b", rec, tz("UTC"), now, () => false)).toBe(
      "b: last run started 600 seconds ago (2026-11-25T11:50:00Z) and did not finish: chime (pid 4242) is not running; next run was due 300 seconds ago (2026-11-25T11:55:00Z); is chime running?",
    );
    expect(describeRecord("b", rec, tz("UTC"), now, () => true)).toBe("b: running for 600 seconds (since 2026-11-25T11:50:00Z)");
  });

  it("after kill -9 during a run: status says it did not finish, and the next chime closes the record once", async () => {
    const state = join(tmp.dir, "killed-state");
    const args = ["--allow-root", "--state-dir", state, "--when", ",M=0", "exec", "--", "sh", "-c", "echo job-pid=$$; exec sleep 30"];
    const first = new ChimeProcess(args, { cwd: tmp.dir });
    let jobPid = 0;
    try {
      await first.waitFor(/next run: /);
      first.signal("SIGALRM");
      jobPid = Number(/job-pid=(\d+)/.exec(await first.waitFor(/ info exec stdout="job-pid=\d+"$/))![1]);
      first.signal("SIGKILL");
      await first.exited;
    } finally {
      await first.kill();
      if (jobPid) process.kill(-jobPid, "SIGKILL"); // the job leads its own process group
    }
    const down = runChime(["status", "--state-dir", state]);
    expect(down.stdout).toMatch(
      new RegExp(
        `^exec: last run started \\d+ seconds ago \\(\\S+\\) and did not finish: chime \\(pid ${first.child.pid}\\) is not running`,
      ),
    );
    expect(down.stdout).not.toMatch(/running for/);

    const second = new ChimeProcess(args, { cwd: tmp.dir });
    try {
      await second.waitFor(/next run: /);
      second.signal("SIGTERM");
      expect((await second.exited).code).toBe(0);
    } finally {
      await second.kill();
    }
    expect(second.count(/ warn exec the previous run did not finish: chime was stopped during it started=\S+ reason=alarm/)).toBe(1);
    const after = runChime(["status", "--state-dir", state]).stdout;
    expect(after).toMatch(
      /^exec: last run unknown \d+ seconds ago \(\S+\): did not finish: chime was stopped during the run; next run in \d+ seconds/,
    );
    expect(after).not.toMatch(/took|running for/);
  });

  it("reads what a real service wrote, and reports a corrupt file (UNKNOWN: exit 3)", async () => {
    const state = join(tmp.dir, "state");
    const p = new ChimeProcess(["--allow-root", "--state-dir", state, "--when", ",M=0", "exec", "--", "echo", "done"], { cwd: tmp.dir });
    try {
      await p.waitFor(/next run: /);
      p.signal("SIGALRM");
      await p.waitFor(/run ok: /);
      p.signal("SIGTERM");
      expect((await p.exited).code).toBe(0);
    } finally {
      await p.kill();
    }
    await writeFile(join(state, "broken.json"), "{oops");
    // as a service that runs both jobs lists them (a record of a job it does not run is not shown)
    expect(JSON.parse(await readFile(join(state, ".jobs.json"), "utf8"))).toEqual({ jobs: ["exec"] });
    await writeFile(join(state, ".jobs.json"), JSON.stringify({ jobs: ["broken", "exec"] }));
    const r = runChime(["status", "--state-dir", state]);
    // the same exit codes as chime check: a record that cannot be read is UNKNOWN (3)
    expect(r.status).toBe(3);
    const lines = r.stdout.split("\n").filter(Boolean);
    expect(lines[0]).toBe(`broken: state file is corrupt, starting with empty state (${join(state, "broken.json")})`);
    expect(lines[1]).toBe("broken: never run");
    expect(lines[2]).toMatch(
      /^exec: last run ok \d+ seconds ago \(\S+, took [0-9.]+ s\): exit 0: done; next run in \d+ seconds \(\S+:00:00Z\); 1 runs$/,
    );
    // the state dir from the environment, as envdir would set it
    expect(runChime(["status"], { env: { CHIME_STATE_DIR: state } }).stdout).toContain("exec: last run ok");
  });

  it("a job removed from the config by a reload is no longer listed (its record stays, said once at the end)", async () => {
    const state = join(tmp.dir, "reload-state");
    const config = join(tmp.dir, "reload.json");
    const jobs = (...names: string[]) =>
      JSON.stringify({ jobs: names.map((name) => ({ name, job: "exec", when: "0 0 1 1 *", args: ["--", "true"] })) });
    await writeFile(config, jobs("keep", "dropped"));
    const metrics = join(tmp.dir, "reload.prom");
    const p = new ChimeProcess(["--allow-root", "--state-dir", state, "--metrics-file", metrics, "--config", config], { cwd: tmp.dir });
    try {
      await p.waitFor(/dropped next run: /);
      await p.waitFor(/keep next run: /);
      p.signal("SIGALRM");
      await p.waitFor(/dropped run ok: /);
      await p.waitFor(/keep run ok: /);
      await writeFile(config, jobs("keep", "added"));
      p.signal("SIGHUP");
      await p.waitFor(/configuration reloaded .*removed=1/);
      await p.waitFor(/added next run: /);
      // the job list is written right after the reload line; wait for status to see it
      const deadline = Date.now() + 10_000;
      let r = runChime(["status", "--state-dir", state]);
      while (/^dropped: /m.test(r.stdout) && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, 50));
        r = runChime(["status", "--state-dir", state]);
      }
      const lines = r.stdout.trim().split("\n");
      expect(lines.map((l) => l.split(":")[0])).toEqual(["added", "keep", "(not shown"]);
      expect(lines[0]).toMatch(/^added: never run; next run in \d+ seconds/);
      expect(lines[1]).toMatch(/^keep: last run ok /);
      expect(lines[2]).toBe("(not shown: 1 records of jobs the service no longer runs: dropped)");
      // the metrics file drops the removed job's series and has the added job's
      let prom = await readFile(metrics, "utf8");
      for (const end = Date.now() + 10_000; prom.includes('job="dropped"') && Date.now() < end; ) {
        await new Promise((res) => setTimeout(res, 50));
        prom = await readFile(metrics, "utf8");
      }
      expect(prom).not.toContain('job="dropped"');
      expect(prom).toContain('chime_job_next_run_timestamp_seconds{job="added"}');
      // the record itself is kept (history: a job renamed back finds it)
      expect(existsSync(join(state, "dropped.json"))).toBe(true);
      expect(r.status).toBe(0);
      p.signal("SIGTERM");
      expect((await p.exited).code).toBe(0);
    } finally {
      await p.kill();
    }
  }, 30_000);

  it("no state directory: says so, exit 1; bad argument: exit 100", () => {
    const r = runChime(["status", "--state-dir", join(tmp.dir, "none")]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/no state directory/);
    expect(runChime(["status", "--bogus"]).status).toBe(100);
  });
});

describe("--user NAME: the service drops uid, gid and groups before any job runs", () => {
  it(isRoot ? "as root: the job runs as nobody with nobody's groups only" : "not root: switching user fails with 111", async () => {
    const state = join(tmp.dir, "user-state");
    await mkdir(state, { recursive: true });
    await chmod(tmp.dir, 0o755);
    await chmod(state, 0o777);
    if (!isRoot) {
      const r = runChime(["--user", "root", "--allow-root", "--state-dir", state, "--when", ",M=0", "exec", "--", "true"]);
      expect(r.status).toBe(111);
      expect(r.stderr).toMatch(/^@4[0-9a-f]{23} chime: unable to switch to user root \(--user \(flag\)\): EPERM/);
      return;
    }
    const p = new ChimeProcess(
      [
        "--user",
        "nobody",
        "--state-dir",
        state,
        "--when",
        ",M=0",
        "exec",
        "--",
        "sh",
        "-c",
        "echo uid=$(id -u) gid=$(id -g) groups=$(id -G)",
      ],
      { cwd: tmp.dir },
    );
    try {
      await p.waitFor(/next run: /);
      p.signal("SIGALRM");
      const line = await p.waitFor(/ info exec stdout="uid=/);
      expect(line).toMatch(/ info exec stdout="uid=65534 gid=65534 groups=65534"$/);
      expect(await p.waitFor(/ info chime starting /)).toMatch(/uid=65534/);
      p.signal("SIGTERM");
      expect((await p.exited).code).toBe(0);
    } finally {
      await p.kill();
    }
  });
});
