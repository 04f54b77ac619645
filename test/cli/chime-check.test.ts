/**
 * chime check's pieces without a supervisor: the status-file decoder, the judgement of a run
 * record, a single-job service read the way the service reads itself, and `chime status`'s
 * exit codes.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chimeArgsOfRunScript, readChimeService } from "../../src/cli/chime-service-reader.js";
import { judgeJob } from "../../src/cli/job-health.js";
import { parseSuperviseStatus } from "../../src/daemon/supervise-status.js";
import { runChime, tempDir } from "./chime-spawn.js";

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir("chime-check-");
});
afterAll(async () => {
  await tmp.cleanup();
});

/** An 18-byte status as daemontools' supervise writes it (announce(): taia_pack, pid LE, paused, want). */
function daemontoolsStatus(unixS: number, nanos: number, pid: number, paused: number, want: string): Uint8Array {
  const b = new Uint8Array(18);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, (1n << 62n) + 10n + BigInt(unixS), false);
  v.setUint32(8, nanos, false);
  v.setUint32(12, pid, true);
  b[16] = paused;
  b[17] = want === "" ? 0 : want.charCodeAt(0);
  return b;
}

describe("supervise/status decoding", () => {
  it("reads the label with daemontools' +10 convention, the pid little-endian, and the wish", () => {
    // 2026-11-25T12:00:00Z = 1795608000; label seconds 0x400000006b06cdca (1795608010)
    const s = parseSuperviseStatus(daemontoolsStatus(1795608000, 500_000_500, 0x01020304, 0, "u"), false);
    expect(s).toEqual({
      changedMs: Date.parse("2026-11-25T12:00:00.500Z"),
      pid: 16909060,
      paused: false,
      wantUp: true,
      format: "daemontools",
    });
    // no wish (svc -o): the down file decides
    expect(parseSuperviseStatus(daemontoolsStatus(1795608000, 0, 0, 0, ""), false)?.wantUp).toBe(false);
    expect(parseSuperviseStatus(daemontoolsStatus(1795608000, 0, 0, 0, ""), true)?.wantUp).toBe(true);
    const runit = new Uint8Array(20);
    runit.set(daemontoolsStatus(1795608000, 0, 77, 1, "d"));
    expect(parseSuperviseStatus(runit, true)).toMatchObject({ pid: 77, paused: true, wantUp: false, format: "runit" });
  });

  it("anything else is not a status file", () => {
    expect(parseSuperviseStatus(new Uint8Array(17), true)).toBeNull();
    expect(parseSuperviseStatus(daemontoolsStatus(1795608000, 0, 1, 0, "x"), true)).toBeNull();
    expect(parseSuperviseStatus(new Uint8Array(18), true)).toBeNull(); // label 0: before TAI64's 2^62
  });
});

describe("judging a run record", () => {
  const now = Date.parse("2026-11-25T12:00:00Z");
  const o = { nowMs: now, toleranceMs: 300_000, timeoutMs: 60_000, graceMs: 5000, alive: () => true, exists: true };

  it("overdue only past the tolerance; a failed last run; a run stuck past its timeout", () => {
    expect(judgeJob({ job: "a", lastStatus: "ok", lastEndMs: now - 1000, nextRunAtMs: now - 299_000 }, o).health).toBe(0);
    expect(judgeJob({ job: "a", lastStatus: "ok", lastEndMs: now - 1000, nextRunAtMs: now - 301_000 }, o)).toEqual({
      health: 2,
      text: "overdue: its run planned 301 s ago has not started",
    });
    expect(
      judgeJob({ job: "a", lastStatus: "warning", lastEndMs: now - 1000, lastSummary: "2 stale", nextRunAtMs: now + 60_000 }, o),
    ).toEqual({
      health: 1,
      text: "last run warning 1 s ago: 2 stale",
    });
    const running = { job: "a", pid: 42, lastStartMs: now - 66_000, lastEndMs: now - 100_000, lastStatus: "ok" as const };
    expect(judgeJob(running, o).health).toBe(2); // 66 s > 60 s timeout + 5 s grace
    expect(judgeJob({ ...running, lastStartMs: now - 64_000 }, o).health).toBe(0);
    expect(judgeJob({ ...running, lastStartMs: now - 64_000 }, { ...o, timeoutMs: undefined }).health).toBe(0);
    expect(judgeJob({ job: "a" }, { ...o, exists: false }).health).toBe(1);
  });
});

describe("a single-job service, read as the service reads itself", () => {
  it("finds the tag from env/CHIME_NAME or the job, and the state dir from env/ relative to the service", async () => {
    const sv = join(tmp.dir, "sv");
    mkdirSync(sv);
    const r = runChime(["install-service", "backup", "--dir", sv, "--user", "root", "--when", ",M=0", "--", "/bin/true"]);
    expect(r.stderr).toBe("");
    const dir = join(sv, "backup");
    const args = chimeArgsOfRunScript(readFileSync(join(dir, "run"), "utf8"));
    expect(args?.slice(0, 2)).toEqual(["--service", "exec"]);
    let read = await readChimeService(dir, args!);
    expect(read.ok && read.settings).toMatchObject({ stateDir: join(dir, "state"), jobs: [{ tag: "exec" }] });
    writeFileSync(join(dir, "env", "CHIME_NAME"), "nightly\n");
    writeFileSync(join(dir, "env", "CHIME_STATE_DIR"), "/var/db/chime\n");
    read = await readChimeService(dir, args!);
    expect(read.ok && read.settings).toMatchObject({ stateDir: "/var/db/chime", jobs: [{ tag: "nightly" }] });
    expect(chimeArgsOfRunScript("#!/bin/sh\nexec 2>&1\nexec envdir ./env multilog t ./main\n")).toBeNull();
  });

  it("a corrupt run record: UNKNOWN, exit 3, naming the file", async () => {
    const dir = join(tmp.dir, "sv", "backup");
    writeFileSync(join(dir, "env", "CHIME_STATE_DIR"), "./state\n");
    mkdirSync(join(dir, "state"), { recursive: true });
    writeFileSync(join(dir, "state", "nightly.json"), "{not json");
    const r = spawnSync(process.execPath, ["dist/bin/chime.cjs", "check", "--json", dir], { encoding: "utf8" });
    expect(r.status).toBe(3);
    const j = JSON.parse(r.stdout) as { items: { job: string | null; status: string; text: string }[] };
    expect(j.items.find((i) => i.job === "nightly")).toMatchObject({ status: "UNKNOWN", text: expect.stringContaining("corrupt") });
  });
});

describe("chime check talks to a person or a monitoring system", () => {
  it("its usage errors are not stamped like a service's log lines: exit 100, 'chime: check:' first", () => {
    const r = spawnSync(process.execPath, ["dist/bin/chime.cjs", "check", "--tolerance", "5x", tmp.dir], { encoding: "utf8" });
    expect(r.status).toBe(100);
    expect(r.stderr).toMatch(/^chime: check: --tolerance: not a duration like 90s, 5m, 1h \(a bare number is seconds\): "5x"$/m);
  });
});

describe("chime status exit codes follow chime check", () => {
  it("a critical last run: exit 2; an overdue one: exit 2; all fine: exit 0", () => {
    const state = join(tmp.dir, "status-state");
    mkdirSync(state, { recursive: true });
    const now = Date.now();
    const write = (rec: object) => writeFileSync(join(state, "j.json"), JSON.stringify(rec));
    write({ job: "j", lastStartMs: now - 2000, lastEndMs: now - 1000, lastStatus: "critical", nextRunAtMs: now + 3_600_000 });
    expect(runChime(["status", "--state-dir", state]).status).toBe(2);
    write({ job: "j", lastStartMs: now - 2000, lastEndMs: now - 1000, lastStatus: "ok", nextRunAtMs: now - 3_600_000 });
    expect(runChime(["status", "--state-dir", state]).status).toBe(2);
    write({ job: "j", lastStartMs: now - 2000, lastEndMs: now - 1000, lastStatus: "ok", nextRunAtMs: now + 3_600_000 });
    expect(runChime(["status", "--state-dir", state]).status).toBe(0);
  });
});
