/**
 * The Ansible role with chime_supervisor runit and s6: the same play against localhost, under
 * a real runsvdir or s6-svscan this test starts and stops itself. The scripts come from
 * install-service --supervisor; the role's part is what it tells each supervisor: nothing on
 * a second run, one restart (sv term / s6-svc -t) for a changed setting, and a clean removal
 * (sv exit; s6-svscanctl -an) for a service set absent. New s6 services start only because
 * the role tells s6-svscan to rescan: the test waits for them before the rig's own watch,
 * which rescans too.
 */
import { execFile, spawnSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { packageJson, packRelease } from "../helpers/release-tarball.js";
import { requires } from "../support/requires.js";
import { isAlive, waitFor } from "../service/svscan-rig.js";
import { RUNIT, S6, SupervisorRig } from "../service/supervisor-rigs.js";
import { nodeForEveryone, playbook, prepareAnsible } from "./ansible-rig.js";

const pkg = packageJson();
const PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";

const succeeds = (file: string, args: readonly string[]): Promise<boolean> =>
  new Promise((resolve) => execFile(file, args, (err) => resolve(!err)));

const rigs = [
  {
    gate: requires("ansible-playbook", "runsvdir", "runsv", "sv", "chpst", "svlogd", "ps", "root"),
    make: (b: string) => new SupervisorRig(RUNIT, join(b, "scan"), join(b, "scanner.out")),
    supervised: (d: string) => succeeds("sv", ["status", d]),
  },
  {
    gate: requires(
      "ansible-playbook",
      "s6-svscan",
      "s6-supervise",
      "s6-svscanctl",
      "s6-svc",
      "s6-svok",
      "s6-svstat",
      "s6-envdir",
      "s6-setuidgid",
      "s6-log",
      "s6-tai64nlocal",
      "ps",
      "root",
    ),
    make: (b: string) => new SupervisorRig(S6, join(b, "scan"), join(b, "scanner.out")),
    supervised: (d: string) => succeeds("s6-svok", [d]),
  },
];

for (const { gate, make, supervised } of rigs) {
  const probe = make(tmpdir());
  gate.describe(
    `the chime Ansible role with chime_supervisor ${probe.name}, under a real ${probe.name === "runit" ? "runsvdir" : "s6-svscan"}`,
    () => {
      const user = `chimean${probe.name === "runit" ? "r" : "s"}${process.pid % 100000}`;
      let base: string;
      let scanDir: string;
      let rig: SupervisorRig | undefined;
      let first: object;
      let second: object;
      const seen = new Set<number>();

      const dir = (name: string) => join(scanDir, name);
      const texts = (name: string) => (existsSync(join(dir(name), "log", "main", "current")) ? rig!.log(dir(name)).map((l) => l.text) : []);
      const starts = (name: string) => texts(name).filter((t) => /^info chime starting version=/.test(t)).length;
      const pidOf = (name: string): number => {
        const pid = rig!.pid(dir(name));
        if (pid === null) throw new Error(`${name} is not up`);
        seen.add(pid);
        return pid;
      };

      beforeAll(() => {
        base = mkdtempSync(join(tmpdir(), `chime-ansible-${probe.name}-`));
        chmodSync(base, 0o755);
        scanDir = join(base, "scan");
        mkdirSync(scanDir);
        prepareAnsible(base);
        const { tarball } = packRelease(join(base, "pack"));
        const common = {
          chime_version: pkg.version,
          chime_tarball: tarball,
          chime_node: nodeForEveryone(base),
          chime_lib_dir: join(base, "lib"),
          chime_bin_dir: join(base, "bin"),
          chime_services_root: join(base, "services"),
          chime_config_dir: join(base, "etc"),
          chime_scan_dir: scanDir,
          chime_supervisor: probe.name,
        };
        const tick = { user, when: ",S/2", args: ["/bin/echo", "tick"], env: { CHIME_TIMEOUT: "30s" } };
        first = { ...common, chime_services: { tick, retired: { user, when: ",M=0", args: ["/bin/true"] } } };
        second = { ...common, chime_services: { tick: { ...tick, env: { CHIME_TIMEOUT: "40s" } }, retired: { state: "absent" } } };
        const started = make(base);
        started.start({ PATH });
        rig = started;
      });

      afterAll(async () => {
        const left = rig ? await rig.stop() : [];
        const alive = [...seen].filter(isAlive);
        for (const pid of alive) process.kill(pid, "SIGKILL");
        spawnSync("userdel", [user], { stdio: "ignore" });
        if (base) rmSync(base, { recursive: true, force: true });
        expect(left).toEqual([]);
        expect(alive).toEqual([]);
      });

      it("first run: the services come up in the supervisor's idiom and run their job", async () => {
        const started = Date.now();
        const recap = playbook(base, first);
        expect(recap.failed).toBe(0);
        for (const name of ["tick", "retired"]) {
          await waitFor(`${probe.name} to supervise ${name} after the play`, 15_000, () => supervised(dir(name)));
          await rig!.watch(name);
        }
        expect(readFileSync(join(dir("tick"), "run"), "utf8")).toContain(
          probe.name === "runit" ? "exec chpst -e ./env -u " : "exec s6-envdir ./env s6-setuidgid ",
        );
        // read through the supervisor's own reader (svlogd -tt; s6-tai64nlocal): the right time
        await waitFor("a run of the tick job in its log", 20_000, () => texts("tick").includes("info exec stdout=tick"));
        const line = rig!.log(dir("tick")).find((l) => l.text === "info exec stdout=tick")!;
        expect(line.ms).toBeGreaterThanOrEqual(started - 1000);
        expect(line.ms).toBeLessThanOrEqual(Date.now() + 1000);
      });

      it("second run changes nothing and restarts nothing", () => {
        const before = [pidOf("tick"), pidOf("retired")];
        const recap = playbook(base, first);
        expect(recap.failed).toBe(0);
        expect(recap.changed).toBe(0);
        expect([pidOf("tick"), pidOf("retired")]).toEqual(before);
      });

      it("a changed setting restarts its service once; a service set absent is stopped and removed", async () => {
        const tickPid = pidOf("tick");
        const tickStarts = starts("tick");
        const retiredPid = pidOf("retired");
        const recap = playbook(base, second);
        expect(recap.failed).toBe(0);
        await waitFor("tick's restart", 20_000, () => starts("tick") > tickStarts && rig!.pid(dir("tick")) !== null);
        await waitFor("a run after the restart", 20_000, () => {
          const t = texts("tick");
          const lastStart = t.findLastIndex((l) => l.startsWith("info chime starting"));
          return t.slice(lastStart).includes("info exec stdout=tick");
        });
        expect(starts("tick")).toBe(tickStarts + 1);
        expect(pidOf("tick")).not.toBe(tickPid);

        expect(() => lstatSync(dir("retired"))).toThrow();
        expect(existsSync(join(base, "services", "retired"))).toBe(false);
        await waitFor("retired's chime to end", 10_000, () => !isAlive(retiredPid));
      });
    },
  );
}
