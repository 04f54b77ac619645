import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { waitDead } from "../helpers/processes.js";
import { ChimeProcess, cleanEnv, tempDir } from "./chime-spawn.js";

/**
 * Real signals to a real dist/bin/chime.cjs service (DESIGN.md §3 "Process behaviour under
 * supervise"). Node would die on HUP and ALRM and open its inspector on USR1 by default.
 */
let tmp: { dir: string; cleanup: () => Promise<void> };
let procs: ChimeProcess[] = [];
beforeEach(async () => {
  tmp = await tempDir("chime-sig-");
  procs = [];
});
afterEach(async () => {
  for (const p of procs) await p.kill();
  await tmp.cleanup();
});

function service(args: string[], env: Record<string, string> = {}): ChimeProcess {
  const p = new ChimeProcess(["--allow-root", "--state-dir", join(tmp.dir, "state"), ...args], { env, cwd: tmp.dir });
  procs.push(p);
  return p;
}

describe("chime service and signals", () => {
  it("states what it will do and when, right at start", async () => {
    const p = service(["--when", ",M=0", "exec", "--", "echo", "example"]);
    const line = await p.waitFor(/ info exec next run: /, 5000);
    expect(line).toMatch(/^@[0-9a-f]{24} info exec next run: exec -- echo example at=\d{4}-\d\d-\d\dT\d\d:00:00Z in_s=\d+ when=",M=0"$/);
    p.signal("SIGTERM");
    expect(await p.exited).toEqual({ code: 0, signal: null });
  });

  it("a config with 12 jobs: every line on stdout and stderr is stamped (no Node listener warning)", async () => {
    const jobs = Array.from({ length: 12 }, (_, i) => ({ name: `j${i}`, job: "exec", args: ["--", "true"], when: ",M=0" }));
    await writeFile(join(tmp.dir, "many.json"), JSON.stringify({ jobs }));
    const p = service(["--config", join(tmp.dir, "many.json")]);
    await p.waitFor(/ info j11 next run: /, 5000);
    p.signal("SIGTERM");
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.count(/ next run: /)).toBe(12);
    // ChimeProcess collects stderr too: under supervise `exec 2>&1` puts it in the same log
    for (const line of p.lines) expect(line).toMatch(/^@[0-9a-f]{24} (info|warn) /);
    expect(p.text).not.toMatch(/MaxListenersExceededWarning/);
  });

  it("npm start (package.json's script as is): a stamped plan line within 2 s", async () => {
    const pkg = JSON.parse(await readFile("package.json", "utf8")) as { scripts: { start: string } };
    const child = spawn("sh", ["-c", `exec ${pkg.scripts.start}`], {
      env: cleanEnv({ CHIME_STATE_DIR: join(tmp.dir, "state") }),
      stdio: ["ignore", "pipe", "inherit"],
    });
    let text = "";
    child.stdout.on("data", (c: Buffer) => (text += c.toString()));
    const exited = new Promise((r) => child.on("exit", (code) => r(code)));
    const t0 = Date.now();
    while (!/ next run: /.test(text) && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 20));
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(text.split("\n").find((l) => / next run: /.test(l))).toMatch(
      /^@[0-9a-f]{24} info exec next run: exec -- echo .* at=\S+ in_s=\d+ when=",M=0"$/,
    );
  });

  it("ALRM runs the job now; USR1 logs status (no inspector); HUP without config reschedules; TERM exits 0", async () => {
    const p = service(["--when", ",M=0", "exec", "--", "echo", "ran-now"]);
    await p.waitFor(/next run: /);
    p.signal("SIGALRM");
    await p.waitFor(/ info exec run start reason=alarm$/);
    await p.waitFor(/ info exec run ok: exit 0: ran-now/);
    p.signal("SIGUSR1");
    await p.waitFor(/ info chime status target=exec state=(idle|sleeping) next=\S+ in_s=\d+ last=ok last_end=\S+ runs=1$/);
    p.signal("SIGHUP");
    await p.waitFor(/no config file, nothing to reload; rescheduling signal=HUP/);
    p.signal("SIGTERM");
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.text).not.toMatch(/Debugger listening/);
    expect(p.lines.at(-1)).toMatch(/ info chime stopped$/);
    for (const l of p.lines) expect(l).toMatch(/^@[0-9a-f]{24} /);
    const rec = JSON.parse(await readFile(join(tmp.dir, "state", "exec.json"), "utf8"));
    expect(rec).toMatchObject({ job: "exec", lastStatus: "ok", runs: 1, lastReason: "alarm" });
  });

  it("QUIT (sv quit, s6-svc -q) and USR2 are logged and ignored: no core dump, the job keeps its schedule", async () => {
    const p = service(["--when", ",M=0", "exec", "--", "true"]);
    await p.waitFor(/next run: /);
    p.signal("SIGQUIT");
    await p.waitFor(/ info chime signal ignored signal=QUIT$/);
    p.signal("SIGUSR2");
    await p.waitFor(/ info chime signal ignored signal=USR2$/);
    expect(p.child.exitCode).toBeNull();
    p.signal("SIGTERM");
    expect(await p.exited).toEqual({ code: 0, signal: null });
  });

  it("INT stops it too, exit 0", async () => {
    const p = service(["--when", ",M=0", "exec", "--", "true"]);
    await p.waitFor(/next run: /);
    p.signal("SIGINT");
    expect(await p.exited).toEqual({ code: 0, signal: null });
  });

  it("TERM during a job that ignores TERM: the group is killed after the grace, exit 0, no orphan", async () => {
    const p = service([
      "--grace",
      "1s",
      "--when",
      ",M=0",
      "exec",
      "--",
      "sh",
      "-c",
      "trap '' TERM; sleep 60 & echo child=$!; echo shell=$$; wait; wait",
    ]);
    await p.waitFor(/next run: /);
    p.signal("SIGALRM");
    const child = Number(/child=(\d+)/.exec(await p.waitFor(/ info exec stdout="child=\d+"$/))![1]);
    const shell = Number(/shell=(\d+)/.exec(await p.waitFor(/ info exec stdout="shell=\d+"$/))![1]);
    const t0 = Date.now();
    p.signal("SIGTERM");
    const exit = await p.exited;
    const took = Date.now() - t0;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(5000);
    expect(p.text).toMatch(/stopping signal=TERM running=exec grace=1s/);
    expect(p.text).toMatch(/command ignored TERM, sending KILL to its process group/);
    expect(p.text).toMatch(/run critical: stopped \(shutdown\) by SIGKILL/);
    expect(await waitDead(child)).toBe(true);
    expect(await waitDead(shell)).toBe(true);
  });

  it("HUP reloads --config: a running job is not dropped, new jobs start, a broken file is refused", async () => {
    const config = join(tmp.dir, "jobs.json");
    const jobs = (extra: object[] = []) =>
      JSON.stringify({
        jobs: [{ name: "slow", job: "exec", args: ["--", "sh", "-c", "sleep 1.5; echo slow-done"], when: ",M=0" }, ...extra],
      });
    await writeFile(config, jobs());
    const p = service(["--config", config]);
    await p.waitFor(/ info slow next run: /);
    p.signal("SIGALRM");
    await p.waitFor(/ info slow run start reason=alarm$/);
    await writeFile(config, jobs([{ name: "added", job: "exec", args: ["--", "true"], when: ",H=0" }]));
    p.signal("SIGHUP");
    await p.waitFor(/configuration reloaded signal=HUP jobs=2 added=1 removed=0 changed=0 unchanged=1/);
    await p.waitFor(/ info added next run: exec -- true/);
    await p.waitFor(/ info slow run ok: exit 0: slow-done/, 5000);
    await writeFile(config, "{ broken");
    p.signal("SIGHUP");
    await p.waitFor(/error chime config not reloaded, keeping the running configuration signal=HUP error=".*not valid JSON/);
    p.signal("SIGUSR1");
    await p.waitFor(/status target=added state=sleeping/);
    p.signal("SIGTERM");
    expect((await p.exited).code).toBe(0);
  });

  it("HUP that replaces every job: chime goes on with the new ones and still exits 0 on TERM", async () => {
    const config = join(tmp.dir, "swap.json");
    await writeFile(config, JSON.stringify({ jobs: [{ name: "old", job: "exec", args: ["--", "true"], when: ",M=0" }] }));
    const p = service(["--config", config]);
    await p.waitFor(/ info old next run: /);
    await writeFile(config, JSON.stringify({ jobs: [{ name: "new", job: "exec", args: ["--", "echo", "new-ran"], when: ",M=0" }] }));
    p.signal("SIGHUP");
    await p.waitFor(/configuration reloaded signal=HUP jobs=1 added=1 removed=1 changed=0 unchanged=0/);
    await p.waitFor(/ info new next run: /);
    p.signal("SIGALRM");
    await p.waitFor(/ info new stdout=new-ran$/);
    p.signal("SIGTERM");
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.text).not.toMatch(/nothing left to do/);
    expect(p.lines.at(-1)).toMatch(/ info chime stopped$/);
  });

  it("restarted after kill -9: the missed slot is caught up exactly once", async () => {
    // an every-second schedule: kill -9 right after a run, stay down over several slots
    const args = ["--when", ",S/1", "exec", "--", "true"];
    const first = service(args);
    await first.waitFor(/ info exec run ok: /);
    first.signal("SIGKILL");
    await first.exited;
    await new Promise((r) => setTimeout(r, 2500));
    const second = service(args);
    await second.waitFor(/ info exec run start reason=schedule /);
    second.signal("SIGTERM");
    await second.exited;
    expect(second.count(/missed runs while chime was not running; catching up once missed=\d+/)).toBe(1);
    expect(second.count(/run start reason=catch-up/)).toBe(1);
  });
});
