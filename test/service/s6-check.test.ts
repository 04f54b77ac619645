/**
 * `chime check` under a real s6-svscan (issue 11 §1): the supervisor state is read from
 * s6-supervise's own status file (supervise/status, s6's layout with real-TAI stamps), and
 * must agree with s6-svstat, s6's own reader of that file: the pid, up or down, and the
 * seconds since the change (a daemontools reading of s6's stamp would be 27 s off).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { readSuperviseStatus } from "../../src/daemon/supervise-status.js";
import { parseLikeNagiosCore } from "../helpers/nagios-plugin-output.js";
import { installationForEveryone, isAlive, nobody, waitFor } from "./svscan-rig.js";
import { S6, SupervisorRig, underS6 } from "./supervisor-rigs.js";

const PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";

let base: string;
let rig: SupervisorRig | undefined;
let chime: string;
let node: string;
const seen = new Set<number>();

function check(...args: string[]): { code: number | null; stdout: string } {
  const r = spawnSync(node, [chime, "check", ...args], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  return { code: r.status, stdout: r.stdout };
}

/** s6-svstat's own words: "up (pid 123) 4 seconds" or "down (exitcode 100) 0 seconds, normally up, …" */
function svstat(dir: string): { up: boolean; pid: number | null; seconds: number } {
  const out = execFileSync("s6-svstat", [dir], { encoding: "utf8" });
  const m = /^(up|down) (?:\((?:pid (\d+)|[^)]*)\) )?(\d+) seconds/.exec(out);
  if (!m) throw new Error(`not s6-svstat output: ${out}`);
  return { up: m[1] === "up", pid: m[2] ? Number(m[2]) : null, seconds: Number(m[3]) };
}

underS6.describe("chime check under a real s6-svscan", () => {
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "chime-s6-check-"));
    execFileSync("chmod", ["755", base]);
    mkdirSync(join(base, "sv"));
    ({ chime, node } = installationForEveryone(base, nobody));
    writeFileSync(join(base, "good.json"), JSON.stringify({ jobs: [{ name: "tick", job: "exec", args: ["--", "true"], when: ",S/2" }] }));
    writeFileSync(join(base, "broken.json"), JSON.stringify({ jobs: [{ name: "x", job: "exec", args: ["--", "true"], when: ",S/2" }] }));
    for (const name of ["good", "broken"]) {
      // good: readable by a monitoring group, as under daemontools (svscan-monitor-group.test.ts)
      const group = name === "good" ? ["--monitor-group", "nogroup"] : [];
      execFileSync(
        node,
        [
          chime,
          "install-service",
          name,
          "--dir",
          join(base, "sv"),
          "--user",
          "nobody",
          "--supervisor",
          "s6",
          "--node",
          node,
          ...group,
          "--config",
          join(base, `${name}.json`),
        ],
        { env: { PATH } },
      );
    }
    // a mistake made after installing, refused at start (exit 100): s6-supervise restarts it every second
    writeFileSync(join(base, "broken.json"), JSON.stringify({ jobs: [{ name: "x", job: "exec", when: ",S/2", tiemout: "5m" }] }));
    rig = new SupervisorRig(S6, join(base, "sv"), join(base, "scanner.out"));
    rig.start({ PATH });
    await rig.watch("good", 20_000);
    await waitFor("s6-supervise for broken", 20_000, () => spawnSync("s6-svok", [join(base, "sv", "broken")]).status === 0);
  }, 40_000);

  afterAll(async () => {
    const left = rig ? await rig.stop() : [];
    const alive = [...seen].filter(isAlive);
    for (const pid of alive) process.kill(pid, "SIGKILL");
    rmSync(base, { recursive: true, force: true });
    expect(left).toEqual([]);
    expect(alive).toEqual([]);
  }, 40_000);

  underS6.it("the status file decodes as s6-svstat reads it: pid, wanted up, seconds up", async () => {
    const dir = join(base, "sv", "good");
    // two seconds up at least, so that a stamp read 27 s off would show
    await waitFor("good up for 2 s", 10_000, () => svstat(dir).up && svstat(dir).seconds >= 2);
    const reading = await readSuperviseStatus(dir);
    const ref = svstat(dir);
    const now = Date.now();
    if (!reading.ok) throw new Error(reading.problem);
    expect(reading.status.format).toBe("s6");
    expect(reading.status.pid).toBe(ref.pid);
    seen.add(ref.pid!);
    expect(reading.status.wantUp).toBe(true);
    expect(reading.status.paused).toBe(false);
    expect(Math.abs(Math.floor((now - reading.status.changedMs) / 1000) - ref.seconds)).toBeLessThanOrEqual(1);
  });

  underS6.it(
    "chime check: the good service OK with its pid, the crash-looping one CRITICAL; after s6-svc -d, down by request",
    { timeout: 40_000 },
    async () => {
      const good = join(base, "sv", "good");
      await waitFor("a run of tick", 10_000, () => check(good).stdout.includes("last run ok"));
      await waitFor("good up for 3 s", 10_000, () => svstat(good).up && svstat(good).seconds >= 3);
      const r = check("--min-uptime", "2s", join(base, "sv"));
      const n = parseLikeNagiosCore(r.stdout);
      expect(r.code).toBe(2);
      expect(n.statusText).toMatch(/^CHIME CRITICAL: broken (up only \d+ s: restarting \(crash loop\?\)|down \d+ s, wanted up)/);
      const pid = svstat(good).pid!;
      expect(n.longOutput.some((l) => new RegExp(`^OK +good +up \\d+ s \\(pid ${pid}\\)$`).test(l))).toBe(true);
      expect(n.longOutput.some((l) => /^OK +good\/tick +last run ok/.test(l))).toBe(true);

      // s6-supervise keeps the supervise/ that install-service made for the group: a member reads it
      const nogroup = Number(execFileSync("getent", ["group", "nogroup"], { encoding: "utf8" }).split(":")[2]);
      const member = spawnSync(node, [chime, "check", "--min-uptime", "2s", good], { encoding: "utf8", uid: nobody.uid, gid: nogroup });
      expect(member.stderr).toBe("");
      expect(parseLikeNagiosCore(member.stdout).statusText).toBe("CHIME OK: 1 jobs in 1 services fine");
      expect(member.status).toBe(0);

      execFileSync("s6-svc", ["-wd", "-d", good]);
      await waitFor("good down", 10_000, () => !svstat(good).up);
      const down = check(good);
      expect(down.code).toBe(0);
      expect(parseLikeNagiosCore(down.stdout).longOutput.some((l) => /^OK +good +down \d+ s, by request$/.test(l))).toBe(true);
      execFileSync("s6-svc", ["-u", good]);
      await waitFor("good up again", 10_000, () => svstat(good).up);
      seen.add(svstat(good).pid!);
    },
  );
});
