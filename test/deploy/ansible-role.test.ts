/**
 * The Ansible role deploy/ansible/roles/chime (issue 11 §5), applied for real: the example
 * playbook against localhost (connection local) with the release tarball `npm pack` makes,
 * into a temp tree scanned by this test's own svscan. Nothing is fetched: no facts, no galaxy.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { npmEnvOutsideThisProject, packageJson, packRelease, packReleaseAs } from "../helpers/release-tarball.js";
import { requires } from "../support/requires.js";
import { isAlive, SvscanRig, svstat, waitFor } from "../service/svscan-rig.js";
import { ansibleDir, nodeForEveryone, playbook as play, prepareAnsible, type Recap } from "./ansible-rig.js";

const underAnsible = requires(
  "ansible-playbook",
  "root",
  "svscan",
  "supervise",
  "svc",
  "svok",
  "svstat",
  "setuidgid",
  "multilog",
  "tai64nlocal",
  "ps",
);
const linted = requires("ansible-lint");

const pkg = packageJson();
// a user of its own, so a parallel run or a real service is never touched
const user = `chimeans${process.pid % 100000}`;
const secret = `s3cret-${process.pid}-value`;

let base: string;
let rig: SvscanRig;
const playbook = (vars: object): Recap => play(base, vars);
let scanDir: string;
const seenPids = new Set<number>();

/** The role's variables for this tree; `services` is chime_services. */
function settings(node: string, tarball: string, services: object): object {
  return {
    chime_version: pkg.version,
    chime_tarball: tarball,
    chime_node: node,
    chime_lib_dir: join(base, "lib"),
    chime_bin_dir: join(base, "bin"),
    chime_services_root: join(base, "services"),
    chime_config_dir: join(base, "etc"),
    chime_scan_dir: scanDir,
    chime_services: services,
  };
}

const logOf = (name: string): string => {
  const current = join(scanDir, name, "log", "main", "current");
  return existsSync(current) ? readFileSync(current, "utf8") : "";
};
const startsIn = (log: string): number => log.split("\n").filter((l) => / info chime starting version=/.test(l)).length;

function upPid(name: string): number {
  const s = svstat(join(scanDir, name));
  if (!s.up || s.pid === null) throw new Error(`${name} is not up: ${s.text}`);
  seenPids.add(s.pid);
  return s.pid;
}

let node: string;
let tarball: string;
let first: object;
let second: object;

underAnsible.describe("the chime Ansible role, applied to localhost under a real svscan", () => {
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), "chime-ansible-"));
    chmodSync(base, 0o755); // the service user reads the release under it
    scanDir = join(base, "scan");
    mkdirSync(scanDir);
    prepareAnsible(base);
    ({ tarball } = packRelease(join(base, "pack")));
    node = nodeForEveryone(base);
    const tick = { user, when: ",S/2", args: ["/bin/echo", "tick"], env: { CHIME_TIMEOUT: "30s" }, secrets: { CHIME_TEST_SECRET: secret } };
    const jobA = { name: "a", job: "exec", args: ["--", "/bin/echo", "a"], when: ",S/3" };
    const jobB = { name: "b", job: "exec", args: ["--", "/bin/echo", "b"], when: ",S/2" };
    first = settings(node, tarball, {
      tick,
      multi: { user, config: { jobs: [jobA] } },
      retired: { user, when: ",M=0", args: ["/bin/true"] },
    });
    second = settings(node, tarball, {
      tick: { ...tick, env: { CHIME_TIMEOUT: "40s" } },
      multi: { user, config: { jobs: [jobA, jobB] } },
      retired: { state: "absent" },
    });
    rig = new SvscanRig(scanDir, join(base, "svscan.out"));
    rig.start({ PATH: "/usr/local/bin:/usr/bin:/bin" });
  });

  afterAll(async () => {
    const left = rig ? await rig.stop() : [];
    const alive = [...seenPids].filter(isAlive);
    for (const pid of alive) process.kill(pid, "SIGKILL");
    spawnSync("userdel", [user], { stdio: "ignore" });
    if (base) rmSync(base, { recursive: true, force: true });
    expect(left).toEqual([]);
    expect(alive).toEqual([]);
  });

  it("first run: installs the release, creates the user, and every service comes up and runs its job", async () => {
    const started = Date.now();
    const recap = playbook(first);
    expect(recap.failed).toBe(0);
    expect(recap.changed).toBeGreaterThan(0);
    for (const name of ["tick", "multi", "retired"]) await rig.watch(name, 15_000);

    const uid = Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim());
    const pid = upPid("tick");
    expect(Number(execFileSync("ps", ["-o", "uid=", "-p", String(pid)], { encoding: "utf8" }).trim())).toBe(uid);

    // the job's output in its log, read the way an operator reads it: through tai64nlocal
    await waitFor("a run of the tick job in its log", 20_000, () => / exec stdout=tick\n/.test(logOf("tick")));
    const local = execFileSync("tai64nlocal", { input: logOf("tick"), encoding: "utf8", env: { TZ: "UTC" } });
    const line = local.split("\n").find((l) => l.endsWith(" exec stdout=tick"));
    const at = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d+) /.exec(line ?? "");
    expect(at, local).not.toBeNull();
    const when = Date.parse(`${at![1]}T${(at![2] as string).slice(0, 12)}Z`);
    expect(when).toBeGreaterThanOrEqual(started - 1000);
    expect(when).toBeLessThanOrEqual(Date.now() + 1000);
    await waitFor("a run of the config file's job", 20_000, () => / a stdout=a\n/.test(logOf("multi")));

    // one check over the host: every service up, every job run and ok
    const check = await waitFor("chime check to pass", 20_000, () => {
      const r = spawnSync(join(base, "bin", "chime"), ["check", "--min-uptime", "1s", scanDir], {
        encoding: "utf8",
        env: { PATH: "/usr/bin:/bin" },
      });
      return r.status === 0 ? r.stdout : undefined;
    });
    expect(check).toMatch(/^CHIME OK/);
    expect(check).toMatch(/\bmulti\/a\b/);

    // the installed programs, linked into the bin directory
    expect(execFileSync(join(base, "bin", "chime"), ["--version"], { encoding: "utf8", env: { PATH: `/usr/bin:/bin` } }).trim()).toBe(
      `chime ${pkg.version}`,
    );

    // a secret is an env/ file only root reads, and appears nowhere else
    const secretFile = join(scanDir, "tick", "env", "CHIME_TEST_SECRET");
    expect(readFileSync(secretFile, "utf8")).toBe(`${secret}\n`);
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    expect(recap.output).not.toContain(secret);
    expect(readFileSync(join(scanDir, "tick", "run"), "utf8")).not.toContain(secret);
    expect(logOf("tick")).not.toContain(secret);
  });

  it("second run with the same settings changes nothing and restarts nothing", () => {
    const before = { tick: upPid("tick"), multi: upPid("multi"), retired: upPid("retired") };
    const recap = playbook(first);
    expect(recap.failed).toBe(0);
    expect(recap.changed).toBe(0);
    expect({ tick: upPid("tick"), multi: upPid("multi"), retired: upPid("retired") }).toEqual(before);
  });

  it("a changed setting restarts its service once, a changed config file reloads it, an absent service is removed", async () => {
    const tickPid = upPid("tick");
    const tickStarts = startsIn(logOf("tick"));
    const multiPid = upPid("multi");
    const retiredDir = join(base, "services", "retired");
    const retiredPids = [upPid("retired"), svstat(join(scanDir, "retired", "log")).pid!];
    for (const p of retiredPids) seenPids.add(p);

    const recap = playbook(second);
    expect(recap.failed).toBe(0);
    expect(recap.changed).toBeGreaterThan(0);

    // tick: new env/ → one svc -t → one new chime, which carries on running its job
    expect(readFileSync(join(scanDir, "tick", "env", "CHIME_TIMEOUT"), "utf8")).toBe("40s\n");
    await waitFor("tick's new chime to run its job", 20_000, () => {
      const log = logOf("tick");
      const afterRestart = log
        .split(/ info chime starting version=.*\n/)
        .slice(tickStarts + 1)
        .join("");
      return startsIn(log) > tickStarts && / exec stdout=tick\n/.test(afterRestart);
    });
    expect(startsIn(logOf("tick"))).toBe(tickStarts + 1);
    expect(upPid("tick")).not.toBe(tickPid);
    expect(isAlive(tickPid)).toBe(false);

    // multi: new config file → svc -h → the same chime reloads and runs the added job
    await waitFor("the added job's run after the reload", 20_000, () => / b stdout=b\n/.test(logOf("multi")));
    expect(logOf("multi")).toMatch(/ info chime configuration reloaded /);
    expect(upPid("multi")).toBe(multiPid);
    expect(startsIn(logOf("multi"))).toBe(1);

    // retired: down, unlinked, its log service stopped, its files gone
    expect(() => lstatSync(join(scanDir, "retired"))).toThrow();
    expect(existsSync(retiredDir)).toBe(false);
    await waitFor("retired's chime and multilog to end", 10_000, () => retiredPids.every((p) => !isAlive(p)));
    // only this test's supervisors: another run of the suite on the machine has its own "retired"
    const supervising = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" })
      .split("\n")
      .map((l) => /^\s*(\d+)\s+(.*)$/.exec(l))
      .filter((m) => m !== null && m[2]!.trim() === "supervise retired" && workingUnder(Number(m[1]), base));
    expect(supervising).toEqual([]);

    // and one check over the host says all is well
    const check = await waitFor("chime check to pass", 20_000, () => {
      const r = spawnSync(join(base, "bin", "chime"), ["check", "--min-uptime", "1s", scanDir], {
        encoding: "utf8",
        env: { PATH: "/usr/bin:/bin" },
      });
      return r.status === 0 ? r.stdout : undefined;
    });
    expect(check).toMatch(/^CHIME OK/);
    expect(check).toMatch(/\btick\b/);
    expect(check).toMatch(/\bmulti\/b\b/);
    expect(check).not.toMatch(/retired/);
  });

  it("the run after the change changes nothing", () => {
    const before = { tick: upPid("tick"), multi: upPid("multi") };
    const recap = playbook(second);
    expect(recap.failed).toBe(0);
    expect(recap.changed).toBe(0);
    expect({ tick: upPid("tick"), multi: upPid("multi") }).toEqual(before);
  });

  /** Applies `version`; each service must have restarted exactly once onto it. */
  async function deploy(version: string, releaseTarball: string): Promise<void> {
    const before = Object.fromEntries(["tick", "multi"].map((n) => [n, { pid: upPid(n), starts: startsIn(logOf(n)) }]));
    // as a rolling upgrade runs it: the play waits for chime check to pass after the restarts
    const recap = playbook({
      ...second,
      chime_version: version,
      chime_tarball: releaseTarball,
      chime_check_after_deploy: true,
      chime_check_min_uptime: "2s",
    });
    expect(recap.failed).toBe(0);
    expect(recap.changed).toBeGreaterThan(0);
    expect(recap.output).toMatch(
      /TASK \[chime : Wait for chime check to pass over every scanned directory\] \*+\n(?:FAILED - RETRYING: [^\n]*\n)*ok: \[localhost\]/,
    );
    for (const name of ["tick", "multi"]) {
      const was = before[name]!;
      const starts = logOf(name)
        .split("\n")
        .filter((l) => / info chime starting version=/.test(l));
      expect(starts.length).toBe(was.starts + 1); // the check passed only after the restart
      expect(starts.at(-1)).toContain(` version=${version} `);
      expect(upPid(name)).not.toBe(was.pid);
      expect(readFileSync(join(scanDir, name, "run"), "utf8")).toContain(`/releases/${version}/dist/bin/chime.cjs`);
    }
    const installed = execFileSync(join(base, "bin", "chime"), ["--version"], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } }).trim();
    expect(installed).toBe(`chime ${version}`);
  }

  let next: string;

  it("a new release restarts each service once onto it", async () => {
    const [major, minor, patch] = pkg.version.split(/[.-]/).map(Number) as [number, number, number];
    next = `${major}.${minor}.${patch + 1}`;
    await deploy(next, packReleaseAs(next, join(base, "build"), join(base, "pack")));
  });

  it("setting the old version back rolls back the same way", async () => {
    await deploy(pkg.version, tarball);
    // the release rolled back from stays unpacked beside the other, ready to go forward again
    expect(existsSync(join(base, "lib", "releases", next, "dist", "bin", "chime.cjs"))).toBe(true);
  });
});

linted.it("the role and the example playbook pass ansible-lint", () => {
  const home = mkdtempSync(join(tmpdir(), "chime-ansible-lint-"));
  try {
    const r = spawnSync("ansible-lint", ["--offline", "--nocolor", "roles/chime", "playbook.yml"], {
      cwd: ansibleDir,
      encoding: "utf8",
      timeout: 240_000,
      env: {
        ...npmEnvOutsideThisProject(),
        HOME: home,
        XDG_CACHE_HOME: join(home, "cache"),
        LC_ALL: "C.UTF-8",
        ANSIBLE_CONFIG: join(ansibleDir, "ansible.cfg"),
      },
    });
    expect(`${r.stdout}${r.stderr}`).toMatch(/Passed with \w+ profile: 0 failure\(s\), 0 warning\(s\)/);
    expect(r.status).toBe(0);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

/** Whether process `pid` works in a directory under `dir` (a deleted one still names its old path). */
function workingUnder(pid: number, dir: string): boolean {
  try {
    return readlinkSync(`/proc/${pid}/cwd`).startsWith(`${dir}/`);
  } catch {
    return false; // gone, or not ours to read
  }
}
