/**
 * install-service --monitor-group (issue 11 §1): a monitoring user (Nagios, Icinga) in the
 * named group runs `chime check` on a service whose job runs as another user — and can read
 * nothing else of it: not a secret in env/, not a job's own state. A user outside the group
 * gets UNKNOWN naming the permission problem, as before.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { parseLikeNagiosCore } from "../helpers/nagios-plugin-output.js";
import { installationForEveryone, nobody, SvscanRig, svstat, tearDown, underSvscan, waitFor } from "./svscan-rig.js";

/** Debian's system accounts: the job runs as daemon; nobody, whose group is nogroup, monitors. */
const jobUser = "daemon";
const monitorGroup = "nogroup";
const monitorGid = Number(execFileSync("getent", ["group", monitorGroup], { encoding: "utf8" }).split(":")[2]);
/** a group nobody is in: the monitoring user without the group's membership */
const otherGid = 4242;

let base: string;
let rig: SvscanRig | undefined;
let chime: string;
let node: string;
let dir: string;
const seen = new Set<number>();

/** `argv` as nobody with exactly one group (node's spawn drops the supplementary groups) */
function asMonitor(gid: number, argv: string[]) {
  return spawnSync(argv[0]!, argv.slice(1), { uid: nobody.uid, gid, encoding: "utf8", timeout: 30_000 });
}

underSvscan.describe("install-service --monitor-group: chime check as a monitoring user", () => {
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "chime-monitor-group-"));
    chmodSync(base, 0o755);
    mkdirSync(join(base, "sv"));
    ({ chime, node } = installationForEveryone(base, nobody));
    writeFileSync(join(base, "jobs.json"), JSON.stringify({ jobs: [{ name: "tick", job: "exec", args: ["--", "true"], when: ",S/2" }] }));
    chmodSync(join(base, "jobs.json"), 0o644);
    const r = spawnSync(
      node,
      [
        chime,
        "install-service",
        "watched",
        "--dir",
        join(base, "sv"),
        "--user",
        jobUser,
        "--monitor-group",
        monitorGroup,
        "--config",
        join(base, "jobs.json"),
      ],
      { encoding: "utf8" },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    dir = join(base, "sv", "watched");
    // what an operator adds for a job that needs a token: 0600, as install-service writes env/
    writeFileSync(join(dir, "env", "GITHUB_TOKEN"), "ghp_notarealtokenbutsecretanyway\n", { mode: 0o600 });
    rig = new SvscanRig(join(base, "sv"), join(base, "svscan.out"));
    rig.start({ PATH: "/usr/local/bin:/usr/bin:/bin" });
    await rig.watch("watched");
    await waitFor("a run of tick", 15_000, () =>
      spawnSync(node, [chime, "check", dir], { encoding: "utf8" }).stdout.includes("last run ok"),
    );
    // the first run can come within a second of the start (an even second): the checks below
    // pass --min-uptime 1s, so they wait until supervise has had the service up past it
    await waitFor("watched up for 2 s", 5_000, () => svstat(dir).seconds >= 2);
    const pid = svstat(dir).pid;
    if (pid !== null) seen.add(pid);
  }, 40_000);

  afterAll(async () => {
    const { left, alive } = await tearDown(rig, seen, base);
    expect(left).toEqual([]);
    expect(alive).toEqual([]);
  }, 40_000);

  underSvscan.it("the directories are opened to the group only as far as chime check reads", () => {
    const mode = (p: string) => statSync(join(dir, p)).mode & 0o7777;
    const gid = (p: string) => statSync(join(dir, p)).gid;
    expect([mode("state"), gid("state")]).toEqual([0o750, monitorGid]);
    expect([mode("supervise"), gid("supervise")]).toEqual([0o750, monitorGid]);
    expect([mode("env"), gid("env")]).toEqual([0o710, monitorGid]);
    expect([mode("env/CHIME_CONFIG"), gid("env/CHIME_CONFIG")]).toEqual([0o640, monitorGid]);
    expect(mode("env/GITHUB_TOKEN")).toBe(0o600);
    // the job's own directory, made by the daemon
    expect(mode("state/tick")).toBe(0o700);
  });

  underSvscan.it("a member of the group: chime check OK, exit 0; the token and the job's own state stay unreadable", () => {
    const r = asMonitor(monitorGid, [node, chime, "check", "--min-uptime", "1s", dir]);
    expect(r.stderr).toBe("");
    const n = parseLikeNagiosCore(r.stdout);
    expect(n.statusText).toBe("CHIME OK: 1 jobs in 1 services fine");
    expect(r.status).toBe(0);
    expect(n.longOutput.some((l) => /^OK +watched\/tick +(running for \d+ s; )?last run ok/.test(l))).toBe(true);
    expect(n.longOutput.some((l) => /^OK +watched +up \d+ s \(pid \d+\)$/.test(l))).toBe(true);
    const token = asMonitor(monitorGid, ["cat", join(dir, "env", "GITHUB_TOKEN")]);
    expect(token.status).not.toBe(0);
    expect(token.stderr).toContain("Permission denied");
    expect(asMonitor(monitorGid, ["ls", join(dir, "env")]).stderr).toContain("Permission denied");
    expect(asMonitor(monitorGid, ["ls", join(dir, "state", "tick")]).stderr).toContain("Permission denied");
  });

  underSvscan.it("not a member: UNKNOWN (exit 3) naming the permission problem", () => {
    const r = asMonitor(otherGid, [node, chime, "check", dir]);
    const n = parseLikeNagiosCore(r.stdout);
    expect(r.status).toBe(3);
    expect(n.statusText).toMatch(/^CHIME UNKNOWN: .*EACCES/);
  });

  underSvscan.it("an unknown group is refused before anything is written", () => {
    const r = spawnSync(
      node,
      [
        chime,
        "install-service",
        "other",
        "--dir",
        join(base, "sv"),
        "--user",
        jobUser,
        "--monitor-group",
        "no-such-group-here",
        "--config",
        join(base, "jobs.json"),
      ],
      { encoding: "utf8" },
    );
    expect(r.status).toBe(100);
    expect(r.stderr).toMatch(/--monitor-group no-such-group-here: .*invalid group/);
    expect(spawnSync("ls", ["-A", join(base, "sv")], { encoding: "utf8" }).stdout.trim()).toBe("watched");
  });
});
