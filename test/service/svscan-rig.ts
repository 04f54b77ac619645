/**
 * A private daemontools rig for integration tests: Debian's real svscan on a temp
 * directory, in its own session (a ^C to vitest must not reach the services), stopped by
 * its pid and `svc -dx` — never /etc/service, never a broad pkill.
 */
import { execFile, execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, closeSync, copyFileSync, cpSync, mkdirSync, openSync, rmSync } from "node:fs";
import { join } from "node:path";
import { alive } from "../helpers/processes.js";
import { requires } from "../support/requires.js";

/**
 * The gate for every test under this rig: daemontools' programs, ps for the liveness checks,
 * and root (the rig runs services as root and as nobody). `underSvscan.describe(…)`.
 */
export const underSvscan = requires("svscan", "supervise", "svc", "svok", "svstat", "setuidgid", "multilog", "tai64nlocal", "ps", "root");

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
  return new Promise((resolve) => execFile("svok", [dir], (err) => resolve(!err)));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value other than undefined/false, or fails after `ms`. */
export async function waitFor<T>(what: string, ms: number, probe: () => T | undefined | false | Promise<T | undefined | false>, every = 25): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(every);
  }
}

/** Whether `pid` is a live process; a zombie awaiting its reaper counts as gone. */
export const isAlive = alive;

/** The uid and gid of `nobody`, the unprivileged service user these tests use. */
export const nobody = {
  uid: Number(execFileSync("id", ["-u", "nobody"], { encoding: "utf8" }).trim()),
  gid: Number(execFileSync("id", ["-g", "nobody"], { encoding: "utf8" }).trim()),
};

/**
 * Stops the rig and kills (by pid) any process the test saw that is still alive, then removes
 * the temp dir. Returns what was left over, for the caller to assert empty.
 */
export async function tearDown(rig: SvscanRig | undefined, seenPids: Iterable<number>, base: string): Promise<{ left: string[]; alive: number[] }> {
  const left = rig ? await rig.stop() : [];
  const alive = [...seenPids].filter(isAlive);
  for (const pid of alive) process.kill(pid, "SIGKILL"); // never leave a stray behind
  rmSync(base, { recursive: true, force: true });
  return { left, alive };
}

export class SvscanRig {
  private svscanPid: number | null = null;
  private readonly services: string[] = [];

  constructor(
    readonly scanDir: string,
    private readonly errFile: string,
    /** run svscan (and so every supervise) as this user instead of ours */
    private readonly as?: { uid: number; gid: number },
  ) {}

  /** Starts svscan with exactly `env` (svscanboot, too, clears the environment). */
  start(env: Record<string, string>): void {
    underSvscan.assert();
    const fd = openSync(this.errFile, "a");
    try {
      // detached: the child calls setsid(), so svscan and every service live in a new
      // session and process group of their own.
      const child = spawn("svscan", [this.scanDir], { detached: true, stdio: ["ignore", fd, fd], env, ...this.as });
      child.unref();
      if (child.pid === undefined) throw new Error("svscan did not start");
      this.svscanPid = child.pid;
    } finally {
      closeSync(fd);
    }
  }

  /** Waits until supervise runs for the service and its log (svscan scans every 5 s). */
  async watch(name: string, ms = 8_000): Promise<string> {
    const dir = join(this.scanDir, name);
    this.services.push(dir);
    await waitFor(`supervise for ${name} and ${name}/log`, ms, async () => (await svok(dir)) && (await svok(join(dir, "log"))));
    return dir;
  }

  /**
   * svscan first (it would restart supervise within 5 s), then `svc -dx` on each service
   * and its log, waiting for every supervise to end. Bounded: returns what is still
   * running so a test can fail on it.
   */
  async stop(): Promise<string[]> {
    if (this.svscanPid !== null) {
      try {
        process.kill(this.svscanPid, "SIGTERM");
      } catch {
        // already gone
      }
      this.svscanPid = null;
    }
    const left: string[] = [];
    for (const dir of this.services) {
      for (const d of [dir, join(dir, "log")]) {
        try {
          svc("-dx", d);
        } catch {
          // no supervise: nothing to stop
        }
      }
    }
    for (const dir of this.services) {
      for (const d of [dir, join(dir, "log")]) {
        const gone = await waitFor(`supervise ${d} to exit`, 10_000, async () => !(await svok(d))).then(
          () => true,
          () => false,
        );
        if (!gone) left.push(d);
      }
    }
    return left;
  }
}

/**
 * A copy of this chime installation (its bundle and templates only, which is all chime
 * needs at run time) where every user can read it, plus a node every user can run. CI
 * may check the project out under /root, which `nobody` cannot enter.
 */
export function installationForEveryone(base: string, as: { uid: number; gid: number }): { chime: string; node: string } {
  const root = join(base, "chime");
  mkdirSync(join(root, "dist", "bin"), { recursive: true });
  copyFileSync("dist/bin/chime.cjs", join(root, "dist", "bin", "chime.cjs"));
  chmodSync(join(root, "dist", "bin", "chime.cjs"), 0o755);
  cpSync("service", join(root, "service"), { recursive: true });
  cpSync("log", join(root, "log"), { recursive: true });
  let node = process.execPath;
  const probe = spawnSync(node, ["-e", ""], { uid: as.uid, gid: as.gid, cwd: "/" });
  if (probe.status !== 0) {
    node = join(base, "node");
    copyFileSync(process.execPath, node);
    chmodSync(node, 0o755);
  }
  return { chime: join(root, "dist", "bin", "chime.cjs"), node };
}
