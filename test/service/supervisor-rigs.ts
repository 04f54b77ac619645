/**
 * Private runit and s6 rigs for integration tests, the counterparts of svscan-rig.ts: Debian's
 * real runsvdir or s6-svscan on a temp scan directory, in its own session, driven by each
 * supervisor's own control program and stopped by pid — never /etc/service or /etc/s6, never
 * a broad pkill. A log is read through the supervisor's own tools (svlogd's -tt stamps,
 * s6-tai64nlocal), so a test sees the times an operator would.
 */
import { execFile, execFileSync, spawn, spawnSync } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { requires, type Gate } from "../support/requires.js";
import { waitFor } from "./svscan-rig.js";

export const underRunit = requires("runsvdir", "runsv", "sv", "chpst", "svlogd", "ps", "root");
export const underS6 = requires("s6-svscan", "s6-supervise", "s6-svscanctl", "s6-svc", "s6-svok", "s6-svstat", "s6-envdir", "s6-setuidgid", "s6-log", "s6-tai64nlocal", "ps", "root");

/** A signal the tests send to a service, by the name both control programs know. */
export type Control = "hup" | "alarm" | "term";

/** One log line as the supervisor's reader shows it: its time (ms since the epoch) and text. */
export interface LogLine {
  readonly ms: number;
  readonly text: string;
}

/** What the tests need of a supervisor; one implementation each for runit and s6. */
export interface SupervisorRig {
  readonly gate: Gate;
  /** the --supervisor name install-service knows it by */
  readonly name: "runit" | "s6";
  /** Starts the scanner with exactly `env`. */
  start(env: Record<string, string>): void;
  /** Waits until the service and its log are supervised and up; returns the service's dir. */
  watch(name: string, ms?: number): Promise<string>;
  /** The pid of the service's process (chime), or null while it is down. */
  pid(dir: string): number | null;
  control(dir: string, action: Control): void;
  /** The log of `dir`, each line with the time the supervisor's own reader shows. */
  log(dir: string): LogLine[];
  /** Stops the scanner by pid and every supervisor under it; returns what is still running. */
  stop(): Promise<string[]>;
}

/** Runs `file args` and resolves to whether it exited 0. */
function succeeds(file: string, args: readonly string[]): Promise<boolean> {
  return new Promise((resolve) => execFile(file, args, (err) => resolve(!err)));
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, "log", "main", "current"), "utf8");
  } catch {
    return "";
  }
}

/** The scanner in a new session of its own (detached: the child calls setsid()). */
function spawnScanner(program: string, args: readonly string[], errFile: string, env: Record<string, string>): number {
  const fd = openSync(errFile, "a");
  try {
    const child = spawn(program, args, { detached: true, stdio: ["ignore", fd, fd], env });
    child.unref();
    if (child.pid === undefined) throw new Error(`${program} did not start`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

function killQuietly(pid: number | null, signal: NodeJS.Signals): void {
  if (pid === null) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Waits (bounded) until `running(d)` turns false for each of `dirs`; returns those still running. */
async function untilStopped(dirs: readonly string[], running: (d: string) => Promise<boolean>): Promise<string[]> {
  const left: string[] = [];
  for (const d of dirs) {
    const gone = await waitFor(`${d} to stop being supervised`, 10_000, async () => !(await running(d))).then(
      () => true,
      () => false,
    );
    if (!gone) left.push(d);
  }
  return left;
}

export class RunitRig implements SupervisorRig {
  readonly gate = underRunit;
  readonly name = "runit";
  private scannerPid: number | null = null;
  private readonly services: string[] = [];

  constructor(
    readonly scanDir: string,
    private readonly errFile: string,
  ) {}

  start(env: Record<string, string>): void {
    this.gate.assert();
    // -P: each runsv in a process group of its own, as on a real host
    this.scannerPid = spawnScanner("runsvdir", ["-P", this.scanDir], this.errFile, env);
  }

  /** `sv status DIR`: "run: DIR: (pid 123) 4s; run: log: (pid 124) 4s"; exit 0 while runsv runs. */
  private status(dir: string): string | null {
    const r = spawnSync("sv", ["status", dir], { encoding: "utf8" });
    return r.status === 0 ? r.stdout : null;
  }

  async watch(name: string, ms = 15_000): Promise<string> {
    const dir = join(this.scanDir, name);
    this.services.push(dir);
    await waitFor(`runsv for ${name} and its log up`, ms, () => {
      const s = this.status(dir);
      return s !== null && /^run: [^:]+: \(pid \d+\)/.test(s) && /; run: log: \(pid \d+\)/.test(s);
    });
    return dir;
  }

  pid(dir: string): number | null {
    const m = /^run: [^:]+: \(pid (\d+)\)/.exec(this.status(dir) ?? "");
    return m ? Number(m[1]) : null;
  }

  control(dir: string, action: Control): void {
    execFileSync("sv", [action, dir]);
  }

  /** svlogd -tt: "2026-12-02_08:44:11.41058 text", UTC. */
  log(dir: string): LogLine[] {
    return readLog(dir)
      .split("\n")
      .filter((l) => l !== "")
      .map((line) => {
        const m = /^(\d{4}-\d\d-\d\d)_(\d\d:\d\d:\d\d\.\d+) (.*)$/.exec(line);
        if (!m) throw new Error(`not an svlogd -tt line: ${JSON.stringify(line)}`);
        return { ms: Date.parse(`${m[1]}T${m[2]}Z`), text: m[3]! };
      });
  }

  /**
   * HUP to runsvdir: it sends TERM to every runsv and exits; a runsv on TERM stops its
   * service, then its log, then exits. `sv exit` covers a runsv whose scanner died first.
   */
  async stop(): Promise<string[]> {
    killQuietly(this.scannerPid, "SIGHUP");
    this.scannerPid = null;
    const dirs = this.services.flatMap((d) => [d, join(d, "log")]);
    for (const d of this.services) spawnSync("sv", ["exit", d]);
    return untilStopped(dirs, async (d) => succeeds("sv", ["status", d]));
  }
}

export class S6Rig implements SupervisorRig {
  readonly gate = underS6;
  readonly name = "s6";
  private scannerPid: number | null = null;
  private readonly services: string[] = [];

  constructor(
    readonly scanDir: string,
    private readonly errFile: string,
  ) {}

  start(env: Record<string, string>): void {
    this.gate.assert();
    this.scannerPid = spawnScanner("s6-svscan", [this.scanDir], this.errFile, env);
  }

  async watch(name: string, ms = 15_000): Promise<string> {
    const dir = join(this.scanDir, name);
    this.services.push(dir);
    await waitFor(`s6-supervise for ${name} and its log up`, ms, async () => {
      // s6-svscan scans at start and when told: tell it (harmless when it has seen the service)
      await succeeds("s6-svscanctl", ["-a", this.scanDir]);
      return (await succeeds("s6-svok", [dir])) && (await succeeds("s6-svok", [join(dir, "log")])) && this.pid(dir) !== null;
    });
    return dir;
  }

  pid(dir: string): number | null {
    const r = spawnSync("s6-svstat", ["-p", dir], { encoding: "utf8" });
    const pid = Number(r.stdout.trim());
    return r.status === 0 && pid > 0 ? pid : null;
  }

  control(dir: string, action: Control): void {
    execFileSync("s6-svc", [{ hup: "-h", alarm: "-a", term: "-t" }[action], dir]);
  }

  /** s6-log t labels through s6-tai64nlocal, under TZ=UTC: "2026-12-02 08:44:11.568264306 text". */
  log(dir: string): LogLine[] {
    const out = execFileSync("s6-tai64nlocal", { input: readLog(dir), encoding: "utf8", env: { ...process.env, TZ: "UTC" } });
    return out
      .split("\n")
      .filter((l) => l !== "")
      .map((line) => {
        const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)\.(\d{9}) (.*)$/.exec(line);
        if (!m) throw new Error(`not an s6-tai64nlocal line: ${JSON.stringify(line)}`);
        return { ms: Date.parse(`${m[1]}T${m[2]}Z`) + Math.floor(Number(m[3]) / 1e6), text: m[4]! };
      });
  }

  /** The scanner by pid, then s6-svc -xd on each service and its log (exit once down). */
  async stop(): Promise<string[]> {
    killQuietly(this.scannerPid, "SIGTERM");
    this.scannerPid = null;
    const dirs = this.services.flatMap((d) => [d, join(d, "log")]);
    for (const d of dirs) spawnSync("s6-svc", ["-xd", d]);
    return untilStopped(dirs, async (d) => succeeds("s6-svok", [d]));
  }
}
