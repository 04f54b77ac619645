/**
 * --metrics-file (issue 11 §2): every job of a daemon, exec included, gets the same
 * Prometheus metrics through the one textfile writer, from a real chime service.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChimeProcess, tempDir } from "../cli/chime-spawn.js";

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir("chime-metrics-");
});
afterAll(async () => {
  await tmp.cleanup();
});

/** `name{labels} value` lines of a textfile, as a map */
function samples(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    m.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return m;
}

describe("--metrics-file: run metrics for every job", () => {
  it("an exec job failing twice (ALRM): last status, runs by status, start and end times, duration, next run", async () => {
    const file = join(tmp.dir, "chime.prom");
    const p = new ChimeProcess(
      [
        "--allow-root",
        "--state-dir",
        join(tmp.dir, "state"),
        "--metrics-file",
        file,
        "--when",
        "0 0 1 1 *",
        "--name",
        "nightly",
        "exec",
        "--",
        "sh",
        "-c",
        "exit 2",
      ],
      { cwd: tmp.dir },
    );
    try {
      await p.waitFor(/next run: /);
      const before = Date.now();
      p.signal("SIGALRM");
      await p.waitFor(/run critical: /);
      p.signal("SIGALRM");
      const deadline = Date.now() + 10_000;
      while (p.count(/run critical: /) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(p.count(/run critical: /)).toBe(2);
      p.signal("SIGTERM");
      expect((await p.exited).code).toBe(0);
      expect(existsSync(file)).toBe(true);
      const text = readFileSync(file, "utf8");
      const s = samples(text);
      expect(text).toContain("# TYPE chime_job_runs_total counter");
      expect(s.get('chime_job_runs_total{job="nightly",status="critical"}')).toBe(2);
      expect(s.get('chime_job_runs_total{job="nightly",status="ok"}')).toBe(0);
      // no --retry: one attempt per run
      expect(text).toContain("# TYPE chime_job_attempts_total counter");
      expect(s.get('chime_job_attempts_total{job="nightly",status="critical"}')).toBe(2);
      expect(s.get('chime_job_last_status{job="nightly",status="critical"}')).toBe(1);
      expect(s.get('chime_job_last_status{job="nightly",status="ok"}')).toBe(0);
      expect(s.get('chime_job_running{job="nightly"}')).toBe(0);
      const start = s.get('chime_job_last_start_timestamp_seconds{job="nightly"}')!;
      const end = s.get('chime_job_last_end_timestamp_seconds{job="nightly"}')!;
      expect(start * 1000).toBeGreaterThanOrEqual(before - 1000);
      expect(end).toBeGreaterThanOrEqual(start);
      expect(s.get('chime_job_last_duration_seconds{job="nightly"}')).toBeCloseTo(end - start, 3);
      // the process start (a crash loop changes it) and the heartbeat: both this process's
      const started = s.get('chime_job_process_start_time_seconds{job="nightly"}')!;
      expect(started * 1000).toBeGreaterThanOrEqual(before - 60_000);
      expect(started).toBeLessThanOrEqual(start);
      expect(s.get('chime_job_metrics_written_timestamp_seconds{job="nightly"}')).toBeGreaterThanOrEqual(end - 1);
      // once a year, at midnight of 1 January (TZ=UTC): a full hour
      expect(s.get('chime_job_next_run_timestamp_seconds{job="nightly"}')! % 3600).toBe(0);
    } finally {
      await p.kill();
    }
  });

  it("--retry 2: a run that fails every attempt is one run, critical, of 3 attempts, each counted with its status", async () => {
    const file = join(tmp.dir, "retry.prom");
    const p = new ChimeProcess(
      [
        "--allow-root",
        "--state-dir",
        join(tmp.dir, "state-retry"),
        "--metrics-file",
        file,
        "--when",
        "0 0 1 1 *",
        "--retry",
        "2",
        "--retry-delay",
        "1s",
        "--name",
        "flaky",
        "exec",
        "--",
        "sh",
        "-c",
        "exit 2",
      ],
      { cwd: tmp.dir },
    );
    try {
      await p.waitFor(/next run: /);
      p.signal("SIGALRM");
      // the run ends once its last attempt has: the record (and so the file) says how many
      const read = () => (existsSync(file) ? samples(readFileSync(file, "utf8")) : new Map<string, number>());
      const deadline = Date.now() + 60_000;
      while (read().get('chime_job_runs_total{job="flaky",status="critical"}') !== 1 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      const s = read();
      expect(s.get('chime_job_last_attempts{job="flaky"}')).toBe(3);
      // docs/chime.md: a run is all attempts of one slot; attempts_total counts each attempt
      expect(s.get('chime_job_runs_total{job="flaky",status="critical"}')).toBe(1);
      expect(s.get('chime_job_attempts_total{job="flaky",status="critical"}')).toBe(3);
      expect(s.get('chime_job_attempts_total{job="flaky",status="ok"}')).toBe(0);
      expect(s.get('chime_job_last_status{job="flaky",status="critical"}')).toBe(1);
    } finally {
      await p.kill();
    }
  });

  it("skipped slots: a run of a per-second schedule that takes 2.2 s skips at least 2 slots, counted as the log says", async () => {
    const file = join(tmp.dir, "skip.prom");
    const p = new ChimeProcess(
      [
        "--allow-root",
        "--state-dir",
        join(tmp.dir, "state-skip"),
        "--metrics-file",
        file,
        "--when",
        "* * * * * *",
        "--name",
        "slow",
        "exec",
        "--",
        "sleep",
        "2.2",
      ],
      { cwd: tmp.dir },
    );
    try {
      await p.waitFor(/slow skipped runs: /, 20_000);
      p.signal("SIGTERM");
      expect((await p.exited).code).toBe(0);
      const logged = p.lines.filter((l) => / skipped runs: /.test(l)).reduce((n, l) => n + Number(/ skipped=(\d+)/.exec(l)![1]), 0);
      const s = samples(readFileSync(file, "utf8"));
      // a 2.2 s run on a schedule that matches every second lets at least two slots pass
      expect(logged).toBeGreaterThanOrEqual(2);
      expect(s.get('chime_job_skipped_slots_total{job="slow"}')).toBe(logged);
      expect(s.get('chime_job_catch_up_runs_total{job="slow"}')).toBe(0);
      expect(readFileSync(file, "utf8")).toContain("# TYPE chime_job_skipped_slots_total counter");
    } finally {
      await p.kill();
    }
  }, 30_000);

  it("catch-up: a service down for two hours of an hourly schedule makes one catch-up run for two missed slots", async () => {
    const file = join(tmp.dir, "catch.prom");
    const state = join(tmp.dir, "state-catch");
    mkdirSync(state, { recursive: true });
    const hour = 3600;
    const now = Math.floor(Date.now() / 1000);
    // the record a stopped service left: it ran the slot two full hours before the last top of
    // the hour and planned the next one; the slots at -1 h and 0 h (top of the hour) were missed
    const lastTop = now - (now % hour);
    const handled = lastTop - 2 * hour;
    writeFileSync(
      join(state, "hourly.json"),
      JSON.stringify({
        job: "hourly",
        schedule: "0 * * * *",
        handledThrough: handled,
        plannedSlot: handled + hour,
        lastStartMs: handled * 1000,
        lastEndMs: handled * 1000 + 10,
        lastStatus: "ok",
        runs: 1,
      }),
    );
    const p = new ChimeProcess(
      ["--allow-root", "--state-dir", state, "--metrics-file", file, "--when", "0 * * * *", "--name", "hourly", "exec", "--", "true"],
      { cwd: tmp.dir },
    );
    try {
      await p.waitFor(/hourly run ok: /, 20_000);
      await p.waitFor(/hourly next run: .*when="0 \* \* \* \*"/);
      p.signal("SIGTERM");
      expect((await p.exited).code).toBe(0);
      const s = samples(readFileSync(file, "utf8"));
      expect(s.get('chime_job_catch_up_runs_total{job="hourly"}')).toBe(1);
      expect(s.get('chime_job_missed_slots_total{job="hourly"}')).toBe(2);
    } finally {
      await p.kill();
    }
  }, 30_000);
});
