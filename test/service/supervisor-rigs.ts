/**
 * Private supervisor rigs for integration tests: Debian's real svscan, runsvdir or s6-svscan on
 * a temp scan directory, in its own session (a ^C to vitest must not reach the services),
 * driven by the supervisor's own control programs and stopped by pid — never /etc/service or
 * /etc/s6, never a broad pkill. One rig, told by a `Supervision` how each supervisor does a
 * thing. A log is read through the supervisor's own tools (tai64nlocal, svlogd's -tt stamps,
 * s6-tai64nlocal), so a test sees the times an operator would.
 */
import { execFile, execFileSync, spawn, spawnSync } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Gate, requires } from "../support/requires.js";

/** The gates of the three supervisors: their programs, ps for the liveness checks, and root. */
export const underSvscan = requires("svscan", "supervise", "svc", "svok", "svstat", "setuidgid", "multilog", "tai64nlocal", "ps", "root");
export const underRunit = requires("runsvdir", "runsv", "sv", "chpst", "svlogd", "ps", "root");
export const underS6 = requires(
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
);

/** A signal the tests send to a service, by the name every control program knows. */
export type Control = "hup" | "alarm" | "term";

/** One log line as the supervisor's reader shows it: its time (ms since the epoch) and text. */
export interface LogLine {
  readonly ms: number;
  readonly text: string;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value other than undefined/false, or fails after `ms`. */
export async function waitFor<T>(
  what: string,
  ms: number,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  every = 25,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(every);
  }
}

/** Runs `file args` and resolves to whether it exited 0. */
function succeeds(file: string, ...args: readonly string[]): Promise<boolean> {
  return new Promise((resolve) => execFile(file, args, (err) => resolve(!err)));
}

export interface Svstat {
  readonly up: boolean;
  readonly pid: number | null;
  readonly seconds: number;
  readonly text: string;
}

/** `svstat DIR`, parsed: "DIR: up (pid 123) 4 seconds" or "DIR: down 2 seconds, normally up". */
export function svstat(dir: string): Svstat {
  const text = execFileSync("svstat", [dir], { encoding: "utf8" }).trim();
  const up = /: up \(pid (\d+)\) (\d+) seconds/.exec(text);
  if (up) return { up: true, pid: Number(up[1]), seconds: Number(up[2]), text };
  const down = /: down (\d+) seconds/.exec(text);
  return { up: false, pid: null, seconds: down ? Number(down[1]) : 0, text };
}

export function svc(flags: string, ...dirs: string[]): void {
  execFileSync("svc", [flags, ...dirs]);
}

/** svok: 0 while a supervise runs for DIR. */
export function svok(dir: string): Promise<boolean> {
  return succeeds("svok", dir);
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, "log", "main", "current"), "utf8");
  } catch {
    return "";
  }
}

/** TAI64N labels through `reader` (tai64nlocal, s6-tai64nlocal) under TZ=UTC: "2026-12-02 08:44:11.568264306 text". */
function tai64nLocalLines(reader: string, dir: string): LogLine[] {
  const out = execFileSync(reader, { input: readLog(dir), encoding: "utf8", env: { ...process.env, TZ: "UTC" } });
  return out
    .split("\n")
    .filter((l) => l !== "")
    .map((line) => {
      const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)\.(\d{9}) (.*)$/.exec(line);
      if (!m) throw new Error(`not a ${reader} line: ${JSON.stringify(line)}`);
      return { ms: Date.parse(`${m[1]}T${m[2]}Z`) + Math.floor(Number(m[3]) / 1e6), text: m[4]! };
    });
}

/** How one supervisor does each thing the rig needs. */
export interface Supervision {
  /** the --supervisor name install-service knows it by */
  readonly name: "daemontools" | "runit" | "s6";
  readonly gate: Gate;
  /** the scanner's argv for a scan directory */
  scanner(scanDir: string): readonly [string, ...string[]];
  /** what ends the scanner (each then stops its services its own way: see release) */
  readonly scannerStop: NodeJS.Signals;
  /** how long a new service may take to come up: svscan scans every 5 s */
  readonly watchMs: number;
  /** the service and its log are supervised and up */
  up(scanDir: string, dir: string): Promise<boolean>;
  pid(dir: string): number | null;
  control(dir: string, action: Control): void;
  log(dir: string): LogLine[];
  /** tells the supervisors of a service and of its log to stop it and exit */
  release(dir: string): void;
  /** a supervisor still runs for `dir` (a service or its log) */
  supervised(dir: string): Promise<boolean>;
}

export const DAEMONTOOLS: Supervision = {
  name: "daemontools",
  gate: underSvscan,
  scanner: (scanDir) => ["svscan", scanDir],
  // svscan first, or it would restart a supervise within 5 s
  scannerStop: "SIGTERM",
  watchMs: 8_000,
  up: async (_scanDir, dir) => (await svok(dir)) && (await svok(join(dir, "log"))),
  pid: (dir) => svstat(dir).pid,
  control: (dir, action) => svc({ hup: "-h", alarm: "-a", term: "-t" }[action], dir),
  log: (dir) => tai64nLocalLines("tai64nlocal", dir),
  release: (dir) => {
    for (const d of [dir, join(dir, "log")]) spawnSync("svc", ["-dx", d]);
  },
  supervised: svok,
};

/** `sv status DIR`: "run: DIR: (pid 123) 4s; run: log: (pid 124) 4s"; exit 0 while runsv runs. */
function svStatus(dir: string): string | null {
  const r = spawnSync("sv", ["status", dir], { encoding: "utf8" });
  return r.status === 0 ? r.stdout : null;
}

export const RUNIT: Supervision = {
  name: "runit",
  gate: underRunit,
  // -P: each runsv in a process group of its own, as on a real host
  scanner: (scanDir) => ["runsvdir", "-P", scanDir],
  // runsvdir sends TERM to every runsv and exits; a runsv on TERM stops its service, then its log
  scannerStop: "SIGHUP",
  watchMs: 15_000,
  up: async (_scanDir, dir) => {
    const s = svStatus(dir);
    return s !== null && /^run: [^:]+: \(pid \d+\)/.test(s) && /; run: log: \(pid \d+\)/.test(s);
  },
  pid: (dir) => {
    const m = /^run: [^:]+: \(pid (\d+)\)/.exec(svStatus(dir) ?? "");
    return m ? Number(m[1]) : null;
  },
  control: (dir, action) => execFileSync("sv", [action, dir]),
  /** svlogd -tt: "2026-12-02_08:44:11.41058 text", UTC. */
  log: (dir) =>
    readLog(dir)
      .split("\n")
      .filter((l) => l !== "")
      .map((line) => {
        const m = /^(\d{4}-\d\d-\d\d)_(\d\d:\d\d:\d\d\.\d+) (.*)$/.exec(line);
        if (!m) throw new Error(`not an svlogd -tt line: ${JSON.stringify(line)}`);
        return { ms: Date.parse(`${m[1]}T${m[2]}Z`), text: m[3]! };
      }),
  // for a runsv whose scanner died first
  release: (dir) => spawnSync("sv", ["exit", dir]),
  supervised: (dir) => succeeds("sv", "status", dir),
};

function s6Pid(dir: string): number | null {
  const r = spawnSync("s6-svstat", ["-p", dir], { encoding: "utf8" });
  const pid = Number(r.stdout.trim());
  return r.status === 0 && pid > 0 ? pid : null;
}

export const S6: Supervision = {
  name: "s6",
  gate: underS6,
  scanner: (scanDir) => ["s6-svscan", scanDir],
  scannerStop: "SIGTERM",
  watchMs: 15_000,
  up: async (scanDir, dir) => {
    // s6-svscan scans at start and when told: tell it (harmless when it has seen the service)
    await succeeds("s6-svscanctl", "-a", scanDir);
    return (await succeeds("s6-svok", dir)) && (await succeeds("s6-svok", join(dir, "log"))) && s6Pid(dir) !== null;
  },
  pid: s6Pid,
  control: (dir, action) => execFileSync("s6-svc", [{ hup: "-h", alarm: "-a", term: "-t" }[action], dir]),
  log: (dir) => tai64nLocalLines("s6-tai64nlocal", dir),
  release: (dir) => {
    for (const d of [dir, join(dir, "log")]) spawnSync("s6-svc", ["-xd", d]);
  },
  supervised: (dir) => succeeds("s6-svok", dir),
};

/** One scanner on a private scan directory, and the services the test watched there. */
export class SupervisorRig {
  private scannerPid: number | null = null;
  private readonly services: string[] = [];

  constructor(
    readonly supervision: Supervision,
    readonly scanDir: string,
    private readonly errFile: string,
    /** run the scanner (and so every supervisor under it) as this user instead of ours */
    private readonly as?: { uid: number; gid: number },
  ) {}

  get name(): Supervision["name"] {
    return this.supervision.name;
  }

  get gate(): Gate {
    return this.supervision.gate;
  }

  /** Starts the scanner with exactly `env` (svscanboot, too, clears the environment). */
  start(env: Record<string, string>): void {
    this.gate.assert();
    const [program, ...args] = this.supervision.scanner(this.scanDir);
    const fd = openSync(this.errFile, "a");
    try {
      // detached: the child calls setsid(), so the scanner and every service live in a new
      // session and process group of their own
      const child = spawn(program, args, { detached: true, stdio: ["ignore", fd, fd], env, ...this.as });
      child.unref();
      if (child.pid === undefined) throw new Error(`${program} did not start`);
      this.scannerPid = child.pid;
    } finally {
      closeSync(fd);
    }
  }

  /** The service directories in the scan directory now (the scanners skip dot entries too). */
  private scanEntries(): string[] {
    try {
      return readdirSync(this.scanDir)
        .filter((e) => !e.startsWith("."))
        .map((e) => join(this.scanDir, e));
    } catch {
      return [];
    }
  }

  /** Waits until the service and its log are supervised and up; returns the service's dir. */
  async watch(name: string, ms = this.supervision.watchMs): Promise<string> {
    const dir = join(this.scanDir, name);
    this.services.push(dir);
    await waitFor(`${this.name} supervising ${name} and its log`, ms, () => this.supervision.up(this.scanDir, dir));
    return dir;
  }

  /** The pid of the service's process (chime), or null while it is down. */
  pid(dir: string): number | null {
    return this.supervision.pid(dir);
  }

  control(dir: string, action: Control): void {
    this.supervision.control(dir, action);
  }

  /** The log of `dir`, each line with the time the supervisor's own reader shows. */
  log(dir: string): LogLine[] {
    return this.supervision.log(dir);
  }

  /**
   * The scanner by pid, then each service and its log told to stop and exit, waiting (bounded)
   * for every supervisor to end. Returns what is still running so a test can fail on it.
   */
  async stop(): Promise<string[]> {
    if (this.scannerPid !== null) {
      try {
        process.kill(this.scannerPid, this.supervision.scannerStop);
      } catch {
        // already gone
      }
      this.scannerPid = null;
    }
    // Every service in the scan directory, not only those the test watched: a test that
    // failed half way (an Ansible role that installed services itself, say) left supervisors
    // there too, and once the scanner is gone nothing else would ever stop them.
    const services = [...new Set([...this.services, ...this.scanEntries()])];
    for (const dir of services) this.supervision.release(dir);
    const left: string[] = [];
    for (const d of services.flatMap((dir) => [dir, join(dir, "log")])) {
      const gone = await waitFor(`${d} to stop being supervised`, 10_000, async () => !(await this.supervision.supervised(d))).then(
        () => true,
        () => false,
      );
      if (!gone) left.push(d);
    }
    return left;
  }
}
