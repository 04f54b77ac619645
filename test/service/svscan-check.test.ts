/**
 * `chime check` against a real svscan tree (issue 11 §1): an overdue job, a failing job, a
 * crash-looping service, a removed and a renamed job, each judged from the supervisor's status
 * file and the run records, and read back as Nagios Core reads plugin output.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSuperviseStatus } from "../../src/daemon/supervise-status.js";
import { parseLikeNagiosCore, parsePerfdata } from "../helpers/nagios-plugin-output.js";
import { SvscanRig, underSvscan, installationForEveryone, nobody, svc, svstat, tearDown, waitFor } from "./svscan-rig.js";

let base: string;
let rig: SvscanRig;
let chime: string;
let node: string;
const seenPids = new Set<number>();

const job = (name: string, command: string) => ({ name, job: "exec", args: ["--", "/bin/sh", "-c", command], when: ",S/2" });

function writeConfig(file: string, jobs: object[]): void {
  writeFileSync(join(base, `${file}.tmp`), JSON.stringify({ jobs }));
  renameSync(join(base, `${file}.tmp`), join(base, file));
}

function install(name: string, config: string): string {
  const r = spawnSync(node, [chime, "install-service", name, "--dir", join(base, "sv"), "--user", "root", "--config", join(base, config)], {
    encoding: "utf8",
  });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return join(base, "sv", name);
}

function check(...args: string[]): { code: number | null; stdout: string } {
  const r = spawnSync(node, [chime, "check", ...args], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  return { code: r.status, stdout: r.stdout };
}

const record = (service: string, tag: string): Record<string, unknown> | undefined => {
  const f = join(base, "sv", service, "state", `${tag}.json`);
  return existsSync(f) ? (JSON.parse(readFileSync(f, "utf8")) as Record<string, unknown>) : undefined;
};

function upPid(dir: string): number | null {
  const pid = svstat(dir).pid;
  if (pid !== null) seenPids.add(pid);
  return pid;
}

underSvscan.describe("chime check under a real svscan", () => {
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "chime-svscan-check-"));
    chmodSync(base, 0o755);
    mkdirSync(join(base, "sv"));
    ({ chime, node } = installationForEveryone(base, nobody));
    writeConfig("failing.json", [job("good", "true"), job("bad", "echo disk on fire; exit 2")]);
    writeConfig("stuck.json", [job("tick", "true")]);
    writeConfig("tidy.json", [job("keep", "true"), job("gone", "true")]);
    writeConfig("crashing.json", [job("x", "true")]);
    for (const s of ["failing", "stuck", "tidy", "crashing"]) install(s, `${s}.json`);
    // a mistake made after installing, which chime refuses at start (exit 100): supervise
    // restarts it every second
    writeFileSync(join(base, "crashing.json"), '{"jobs": [ {"name": "x", "job": "exec", "when": ",S/2", "tiemout": "5m"} ]}');
    rig = new SvscanRig(join(base, "sv"), join(base, "svscan.out"));
    rig.start({ PATH: "/usr/local/bin:/usr/bin:/bin" });
    for (const s of ["failing", "stuck", "tidy", "crashing"]) await rig.watch(s);
  });

  afterAll(async () => {
    const { left, alive } = await tearDown(rig, seenPids, base);
    expect(left).toEqual([]);
    expect(alive).toEqual([]);
  });

  it("a failing job: CRITICAL, exit 2, the job and its summary in the status line", async () => {
    await waitFor(
      "a run of both jobs",
      10_000,
      () => record("failing", "bad")?.["lastStatus"] === "critical" && record("failing", "good")?.["lastStatus"] === "ok",
    );
    // up for more than the minimum uptime, so only the job can be the problem
    const r = check("--min-uptime", "1s", join(base, "sv", "failing"));
    const n = parseLikeNagiosCore(r.stdout);
    expect(r.code).toBe(2);
    // the job runs every 2 s: the check may see it running, with its last result
    expect(n.statusText).toMatch(/^CHIME CRITICAL: failing\/bad (running for \d+ s; )?last run critical \d+ s ago: .*disk on fire/);
    expect(n.statusText).not.toContain("failing/good");
    const perf = parsePerfdata(n.perfdata);
    expect(perf.find((p) => p.label === "jobs")?.value).toBe(2);
    expect(perf.find((p) => p.label === "jobs_critical")?.value).toBe(1);
    expect(n.longOutput.some((l) => /^OK +failing\/good +(running for \d+ s; )?last run ok/.test(l))).toBe(true);
  });

  it("an overdue job (its chime stopped with svc -p): CRITICAL, exit 2, overdue", async () => {
    const dir = join(base, "sv", "stuck");
    await waitFor("a first run", 10_000, () => record("stuck", "tick")?.["lastStatus"] === "ok");
    expect(upPid(dir)).not.toBeNull();
    // between runs, the daemon waiting for a planned wake
    const settled = (): number | undefined => {
      const r = record("stuck", "tick");
      const next = r?.["nextRunAtMs"] as number | undefined;
      return next !== undefined &&
        r!["lastEndMs"] !== undefined &&
        (r!["lastEndMs"] as number) >= (r!["lastStartMs"] as number) &&
        (r!["lastStartMs"] as number) < next
        ? next
        : undefined;
    };
    let planned: number | undefined;
    for (let attempt = 0; planned === undefined && attempt < 10; attempt++) {
      await waitFor("the daemon between runs", 5000, settled);
      svc("-p", dir); // SIGSTOP: the daemon plans a wake it will never keep
      planned = settled(); // a run may have started just before the stop: then try again
      if (planned === undefined) svc("-c", dir);
    }
    if (planned === undefined) throw new Error("never caught the daemon between runs");
    await waitFor("the planned run plus the tolerance to pass", 10_000, () => Date.now() > planned + 2500);
    const r = check("--tolerance", "2s", "--min-uptime", "1s", dir);
    const n = parseLikeNagiosCore(r.stdout);
    svc("-c", dir);
    expect(r.code).toBe(2);
    expect(n.statusText).toMatch(/^CHIME CRITICAL: stuck\/tick overdue: its run planned \d+ s ago has not started/);
    expect(n.statusText).toMatch(/stuck paused/);
  });

  it("a crash-looping service: CRITICAL, exit 2, restarting or down while wanted up", async () => {
    const r = check(join(base, "sv", "crashing"));
    const n = parseLikeNagiosCore(r.stdout);
    expect(r.code).toBe(2);
    expect(n.statusText).toMatch(/^CHIME CRITICAL: crashing (up only \d+ s: restarting|down \d+ s, wanted up)/);
  });

  it("a removed job is forgotten and a renamed one is reported once: OK, exit 0", async () => {
    const dir = join(base, "sv", "tidy");
    await waitFor(
      "a run of both jobs",
      10_000,
      () => record("tidy", "keep")?.["lastStatus"] === "ok" && record("tidy", "gone")?.["lastStatus"] === "ok",
    );
    const pid = upPid(dir);
    writeConfig("tidy.json", [job("kept", "true")]); // keep renamed, gone removed
    svc("-h", dir);
    await waitFor("a run of the renamed job", 10_000, () => record("tidy", "kept")?.["lastStatus"] === "ok");
    expect(upPid(dir)).toBe(pid);
    // the removed job's last planned run passes: its record stays, and must not alarm anyone
    const goneNext = record("tidy", "gone")!["nextRunAtMs"] as number;
    await waitFor("the removed job's planned run plus the tolerance to pass", 10_000, () => Date.now() > goneNext + 2500);
    const r = check("--tolerance", "2s", "--min-uptime", "1s", dir);
    const n = parseLikeNagiosCore(r.stdout);
    expect(n.statusText).toBe("CHIME OK: 1 jobs in 1 services fine");
    expect(r.code).toBe(0);
    expect(n.longOutput.filter((l) => l.includes("tidy/"))).toEqual([
      expect.stringMatching(/^OK +tidy\/kept +(running for \d+ s; )?last run ok/),
    ]);
  });

  it("the whole tree at once: the worst state, every problem, --json for scripts", () => {
    const all = check("--tolerance", "2s", "--min-uptime", "1s", join(base, "sv"));
    expect(all.code).toBe(2);
    const n = parseLikeNagiosCore(all.stdout);
    for (const p of ["failing/bad", "crashing"]) expect(n.statusText).toContain(p);
    const j = JSON.parse(check("--json", "--min-uptime", "1s", join(base, "sv")).stdout) as {
      exit: number;
      services: number;
      items: { service: string; job: string | null }[];
    };
    expect(j.exit).toBe(2);
    expect(j.services).toBe(4);
    expect(j.items.filter((i) => i.job === "gone" || i.job === "keep")).toEqual([]);
  });
});

underSvscan.describe("supervise/status read from the file agrees with svstat", () => {
  it("up: the same pid and age; svc -d: down, wanted down, and chime check calls that OK", async () => {
    base = mkdtempSync(join(tmpdir(), "chime-svscan-status-"));
    chmodSync(base, 0o755);
    mkdirSync(join(base, "sv"));
    ({ chime, node } = installationForEveryone(base, nobody));
    writeConfig("quiet.json", [{ name: "hourly", job: "exec", args: ["--", "true"], when: ",M=0" }]);
    const dir = install("quiet", "quiet.json");
    rig = new SvscanRig(join(base, "sv"), join(base, "svscan.out"));
    try {
      rig.start({ PATH: "/usr/local/bin:/usr/bin:/bin" });
      await rig.watch("quiet");
      const pid = await waitFor("the service up", 5000, () => upPid(dir) ?? undefined);
      const ours = await readSuperviseStatus(dir);
      const theirs = svstat(dir);
      expect(ours.ok && ours.status.pid).toBe(pid);
      expect(ours.ok && ours.status.wantUp).toBe(true);
      const ageS = ours.ok ? (Date.now() - ours.status.changedMs) / 1000 : NaN;
      expect(Math.abs(ageS - theirs.seconds)).toBeLessThan(2); // svstat truncates to whole seconds
      svc("-d", dir);
      await waitFor("the service down", 5000, () => !svstat(dir).up);
      const down = await readSuperviseStatus(dir);
      expect(down.ok && { pid: down.status.pid, wantUp: down.status.wantUp }).toEqual({ pid: 0, wantUp: false });
      const r = check(dir);
      expect(parseLikeNagiosCore(r.stdout).statusText).toBe("CHIME OK: 0 jobs in 1 services fine");
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^OK +quiet +down \d+ s, by request$/m);
    } finally {
      const { left, alive } = await tearDown(rig, seenPids, base);
      expect(left).toEqual([]);
      expect(alive).toEqual([]);
    }
  });
});

describe("chime check usage", () => {
  it("no SERVICEDIR: exit 100; a directory without chime services: UNKNOWN, exit 3", () => {
    const bin = "dist/bin/chime.cjs";
    expect(spawnSync(process.execPath, [bin, "check"], { encoding: "utf8" }).status).toBe(100);
    const empty = mkdtempSync(join(tmpdir(), "chime-check-empty-"));
    const r = spawnSync(process.execPath, [bin, "check", empty], { encoding: "utf8" });
    expect(r.status).toBe(3);
    expect(parseLikeNagiosCore(r.stdout).statusText).toMatch(/^CHIME UNKNOWN: .*no service directory here runs chime/);
  });
});
