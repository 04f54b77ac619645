/**
 * Issue 11 §4: a service written by `chime install-service --supervisor runit|s6` runs under
 * the real runsvdir / s6-svscan and answers their control programs (sv, s6-svc): start, HUP
 * reload, ALRM, TERM (restarted), kill -9 (restarted). The log is read through the
 * supervisor's own tools — svlogd -tt stamps, s6-tai64nlocal of s6-log t labels — and every
 * line's time must lie within 1 s of the wall clock around the event that wrote it. Before
 * the fix install-service wrote daemontools' envdir/setuidgid/multilog only, and chime's
 * daemontools-convention labels read 27 s early through s6-tai64nlocal.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logLabelFromMs } from "../../src/time/log-label.js";
import { installationForEveryone, isAlive, nobody, waitFor } from "./svscan-rig.js";
import { type LogLine, RUNIT, S6, SupervisorRig, underS6 } from "./supervisor-rigs.js";

const PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";
/** chime's own label: "@" + 24 hex digits; none must appear when the logger stamps */
const LABEL = /^@[0-9a-f]{24}/;

/** An exec job that runs `true` at :00 and :30; the tests' runs come from ALRM. */
const job = (name: string) => ({ name, job: "exec", args: ["--", "true"], when: ",S/30" });

/** Written aside and renamed, as an editor or config management would. */
function writeConfig(base: string, names: readonly string[]): void {
  writeFileSync(join(base, "jobs.json.tmp"), JSON.stringify({ jobs: names.map(job) }));
  renameSync(join(base, "jobs.json.tmp"), join(base, "jobs.json"));
}

for (const make of [RUNIT, S6].map((supervision) => (b: string) => new SupervisorRig(supervision, join(b, "sv"), join(b, "scanner.out")))) {
  const probe = make(tmpdir());
  probe.gate.describe(
    `chime under a real ${probe.name === "runit" ? "runsvdir" : "s6-svscan"}, installed by install-service --supervisor ${probe.name}`,
    () => {
      let base: string;
      let rig: SupervisorRig | undefined;
      let dir: string;
      let startedAt: number;
      const seen = new Set<number>();

      beforeAll(async () => {
        base = mkdtempSync(join(tmpdir(), `chime-${probe.name}-`));
        execFileSync("chmod", ["755", base]);
        mkdirSync(join(base, "sv"));
        const { chime, node } = installationForEveryone(base, nobody);
        rig = make(base);
        writeConfig(base, ["first"]);
        execFileSync(
          node,
          [
            chime,
            "install-service",
            "tick",
            "--dir",
            join(base, "sv"),
            "--user",
            "nobody",
            "--supervisor",
            rig.name,
            "--node",
            node,
            "--config",
            join(base, "jobs.json"),
          ],
          {
            env: { PATH },
          },
        );
        startedAt = Date.now();
        rig.start({ PATH });
        dir = await rig.watch("tick", 20_000);
      }, 40_000);

      afterAll(async () => {
        const left = rig ? await rig.stop() : [];
        const alive = [...seen].filter(isAlive);
        for (const pid of alive) process.kill(pid, "SIGKILL");
        rmSync(base, { recursive: true, force: true });
        expect(left).toEqual([]);
        expect(alive).toEqual([]);
      }, 40_000);

      const lines = (): LogLine[] => rig!.log(dir);
      const logText = (): string =>
        lines()
          .map((l) => l.text)
          .join("\n");

      /**
       * Does `act`, then waits for a new line matching `pattern`; the line's time, as the
       * supervisor's reader shows it, must fall between the wall clock before `act` and after
       * the line was seen, with 1 s of slack on each side.
       */
      async function expectLine(what: string, pattern: RegExp, act: () => void): Promise<LogLine> {
        const before = lines().length;
        const t0 = Date.now();
        act();
        const line = await waitFor(what, 30_000, () =>
          lines()
            .slice(before)
            .find((l) => pattern.test(l.text)),
        );
        const t1 = Date.now();
        expect(line.ms, `${what}: ${line.text}`).toBeGreaterThanOrEqual(t0 - 1000);
        expect(line.ms, `${what}: ${line.text}`).toBeLessThanOrEqual(t1 + 1000);
        return line;
      }

      it("writes the supervisor's own idiom: run, log/run and env/CHIME_LOG_STAMP", () => {
        const run = readFileSync(join(dir, "run"), "utf8");
        const logRun = readFileSync(join(dir, "log", "run"), "utf8");
        if (probe.name === "runit") {
          expect(run).toMatch(/^exec chpst -e \.\/env -u nobody \S+ /m);
          expect(logRun).toMatch(/^exec chpst -u nobody svlogd -tt \.\/main$/m);
          expect(readFileSync(join(dir, "log", "main", "config"), "utf8")).toBe("s1000000\nn20\n");
        } else {
          expect(run).toMatch(/^exec s6-envdir \.\/env s6-setuidgid nobody \S+ /m);
          expect(logRun).toMatch(/^exec s6-setuidgid nobody s6-log t s1000000 n20 \.\/main$/m);
        }
        expect(run).not.toMatch(/^exec envdir /m); // daemontools' envdir, which the issue found runit leaning on
        expect(readFileSync(join(dir, "env", "CHIME_LOG_STAMP"), "utf8")).toBe("none\n");
      });

      it("starts as nobody, and every line carries the supervisor's stamp only, read within 1 s of the wall clock", async () => {
        // chime's own start line first: until then the supervisor's pid may still be chpst or
        // s6-setuidgid, running as root for the moment before it drops to nobody and execs
        const start = await waitFor("chime's start line", 15_000, () => lines().find((l) => / chime starting .*uid=65534/.test(l.text)));
        const seenAt = Date.now();
        const pid = await waitFor("chime up", 15_000, () => rig!.pid(dir) ?? undefined);
        seen.add(pid);
        const uid = execFileSync("ps", ["-o", "uid=", "-p", String(pid)], { encoding: "utf8" }).trim();
        expect(Number(uid)).toBe(nobody.uid);
        // written after the scanner started and before the test saw it, as the reader shows it
        expect(start.ms).toBeGreaterThanOrEqual(startedAt - 1000);
        expect(start.ms).toBeLessThanOrEqual(seenAt + 1000);
        for (const l of lines()) expect(l.text).not.toMatch(LABEL);
      }, 40_000);

      it("HUP reloads the config file without a restart", async () => {
        const pid = rig!.pid(dir);
        writeConfig(base, ["first", "second"]);
        await expectLine("the reload line", / configuration reloaded .*added=1/, () => rig!.control(dir, "hup"));
        expect(rig!.pid(dir)).toBe(pid);
      }, 40_000);

      it("ALRM runs the job now", async () => {
        const pid = rig!.pid(dir);
        const before = lines().length;
        await expectLine("the ALRM line", /running job now signal=ALRM/, () => rig!.control(dir, "alarm"));
        const started = await waitFor("the ALRM run's start", 15_000, () =>
          lines()
            .slice(before)
            .find((l) => / run start reason=alarm/.test(l.text)),
        );
        expect(started.ms).toBeLessThanOrEqual(Date.now() + 1000);
        expect(rig!.pid(dir)).toBe(pid);
      }, 40_000);

      it("TERM stops chime, which the supervisor restarts", async () => {
        const pid = rig!.pid(dir)!;
        await expectLine("the stop line", / chime stopped/, () => rig!.control(dir, "term"));
        const fresh = await waitFor("a new chime pid", 15_000, () => {
          const p = rig!.pid(dir);
          return p !== null && p !== pid ? p : undefined;
        });
        seen.add(fresh);
        expect(isAlive(pid)).toBe(false);
      }, 40_000);

      it("kill -9 of chime: the supervisor restarts it, and the new chime logs its start in time", async () => {
        const pid = await waitFor("chime up", 15_000, () => rig!.pid(dir) ?? undefined);
        const starts = logText().split("\n").length;
        const line = await expectLine("the restarted chime's start line", / chime starting /, () => process.kill(pid, "SIGKILL"));
        expect(line.text).not.toMatch(LABEL);
        const fresh = await waitFor("a new chime pid", 15_000, () => {
          const p = rig!.pid(dir);
          return p !== null && p !== pid ? p : undefined;
        });
        seen.add(fresh);
        expect(logText().split("\n").length).toBeGreaterThan(starts);
      }, 40_000);
    },
  );
}

describe("why s6 services use s6-log t and not chime's labels", () => {
  underS6.it("a daemontools-convention label (chime's) reads 27 s early through s6-tai64nlocal; an s6-log t label reads right", () => {
    const now = Date.now();
    const shown = execFileSync("s6-tai64nlocal", {
      input: `${logLabelFromMs(now)} x\n`,
      encoding: "utf8",
      env: { ...process.env, TZ: "UTC" },
    });
    const m = /^(\S+) (\d\d:\d\d:\d\d)\.(\d{3})/.exec(shown)!;
    const ms = Date.parse(`${m[1]}T${m[2]}.${m[3]}Z`);
    // TAI − UTC has been 37 s since 2017-01-01; daemontools' convention counts 10 of them
    expect(Math.round((now - ms) / 1000)).toBe(27);
    const base = mkdtempSync(join(tmpdir(), "chime-s6-label-"));
    try {
      const t0 = Date.now();
      execFileSync("s6-log", ["t", join(base, "main")], { input: "x\n" });
      const read = execFileSync("s6-tai64nlocal", {
        input: readFileSync(join(base, "main", "current")),
        encoding: "utf8",
        env: { ...process.env, TZ: "UTC" },
      });
      const r = /^(\S+) (\d\d:\d\d:\d\d)\.(\d{3})/.exec(read)!;
      const logged = Date.parse(`${r[1]}T${r[2]}.${r[3]}Z`);
      expect(Math.abs(logged - t0)).toBeLessThan(1000);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
