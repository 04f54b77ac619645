/**
 * Operations on a process group a run started: signal it, tell whether it is still there,
 * prove that a recorded group is still ours, end it. Starting children is process-runner.ts.
 * supervise signals only the pid it started, so killing grandchildren is our job:
 * `sh -c 'sleep 600'` must not outlive an aborted run, nor a kill -9 of chime.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    // ESRCH: the group is gone already
    return false;
  }
}

export function groupAlive(pgid: number): boolean {
  return signalGroup(pgid, 0);
}

/**
 * A process group as the run record keeps it, so that the next chime can end it after a
 * kill -9 of this one — and end only it: a pid is recycled, so the leader's start time
 * (as `ps` prints it) proves the group is still the one we started.
 */
export interface OwnedGroup {
  readonly pgid: number;
  /** wall clock when we spawned it (ms): the proof while `started` was not recorded yet */
  readonly spawnedMs: number;
  /** the leader's start time as `ps -o lstart=` prints it in the C locale and UTC */
  readonly started?: string;
}

interface PsProcess {
  pid: number;
  pgid: number;
  state: string;
  lstart: string;
  /** the `comm` or `args` column, when asked for */
  text: string;
}

/**
 * ps, not /proc: FreeBSD jails have no /proc; these fields read the same on both systems.
 * ps inherits chime's environment (its PATH finds ps as it finds every program) and env(1)
 * pins only the locale and the zone lstart is printed in — env, the program our own #! line
 * relies on, so no module but the edge reads the environment.
 */
const PS_VIA_ENV = ["LC_ALL=C", "TZ=UTC", "ps"];
const PS_TIMEOUT_MS = 5000;
// lstart in the C locale is five words on Linux and FreeBSD alike: "Wed Dec  2 08:24:43 2026";
// the text column (which may hold spaces) comes after it.
const PS_LINE = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(\S+\s+\S+\s+\d+\s+[\d:]+\s+\d+)(?:\s(.*))?$/;

function ps(args: readonly string[], text?: "comm" | "args"): Promise<PsProcess[]> {
  const columns = ["-o", "pid=", "-o", "pgid=", "-o", "stat=", "-o", "lstart=", ...(text ? ["-o", `${text}=`] : [])];
  // loaded on first use, as in process-runner.ts: an idle service has no use for child_process
  const { execFile } = process.getBuiltinModule("node:child_process");
  return new Promise((resolve) => {
    execFile("env", [...PS_VIA_ENV, ...args, ...columns], { timeout: PS_TIMEOUT_MS, maxBuffer: 16 << 20 }, (_err, stdout) => {
      const rows: PsProcess[] = [];
      // ps exits 1 when -p names no live process: that is an answer (none), not a failure
      for (const line of (stdout ?? "").split("\n")) {
        const m = PS_LINE.exec(line);
        if (m)
          rows.push({ pid: Number(m[1]), pgid: Number(m[2]), state: m[3]!, lstart: m[4]!.replace(/\s+/g, " "), text: (m[5] ?? "").trim() });
      }
      resolve(rows);
    });
  });
}

const isZombie = (p: PsProcess): boolean => p.state.startsWith("Z");

/** One process as `ps` sees it: its group, whether it is a zombie, its command name; undefined if gone. */
export async function processStatus(pid: number): Promise<{ pgid: number; zombie: boolean; command: string } | undefined> {
  const [p] = await ps(["-p", String(pid)], "comm");
  return p && p.pid === pid ? { pgid: p.pgid, zombie: isZombie(p), command: p.text } : undefined;
}

/** The groups of live processes whose command line contains `needle` (a token we put there). */
export async function groupsMentioning(needle: string): Promise<number[]> {
  const rows = await ps(["-A"], "args");
  return [...new Set(rows.filter((p) => !isZombie(p) && p.text.includes(needle)).map((p) => p.pgid))];
}

/** The start time of a live group leader, as recorded in OwnedGroup.started; undefined if gone. */
export async function leaderStart(pgid: number): Promise<string | undefined> {
  const [p] = await ps(["-p", String(pgid)]);
  return p && p.pgid === pgid && !isZombie(p) ? p.lstart : undefined;
}

/** lstart's clock reading can differ from ours by a rounding second or two */
const SPAWN_TOLERANCE_MS = 3000;

const startMs = (lstart: string): number => Date.parse(`${lstart} GMT`);

/**
 * Whether `g` is still the group we started. With its leader alive: the leader still leads
 * that group and started when we recorded (exactly the same `lstart`, or — when chime died
 * before it could read that — within seconds of our spawn); a recycled pid fails this and is
 * left alone. With the leader gone but members left (the command exited, its children did
 * not): a group id is not reused while the group lives (POSIX), so members that all started
 * after our spawn are the ones we left.
 */
export async function isOurGroup(g: OwnedGroup): Promise<boolean> {
  const members = (await ps(["-A"])).filter((p) => p.pgid === g.pgid && !isZombie(p));
  if (members.length === 0) return false;
  const leader = members.find((p) => p.pid === g.pgid);
  if (leader) {
    if (g.started !== undefined) return leader.lstart === g.started;
    return Math.abs(startMs(leader.lstart) - g.spawnedMs) <= SPAWN_TOLERANCE_MS;
  }
  const from = g.started !== undefined ? startMs(g.started) : g.spawnedMs - SPAWN_TOLERANCE_MS;
  return members.every((p) => startMs(p.lstart) >= from);
}

/** Live (not zombie) members of a group: orphans are reaped by init, maybe not at once. */
export async function liveMembers(pgid: number): Promise<number[]> {
  if (!groupAlive(pgid)) return [];
  return (await ps(["-A"])).filter((p) => p.pgid === pgid && !isZombie(p)).map((p) => p.pid);
}

const POLL_MS = 50;

/**
 * TERM to the whole group, up to `graceMs` for it to go, then KILL. Resolves with how it
 * ended: "term" (it went on TERM) or "kill" (KILL was needed).
 */
export async function endGroup(pgid: number, graceMs: number): Promise<"term" | "kill"> {
  signalGroup(pgid, "SIGTERM");
  // monotonic: a clock step while we wait must not stretch or cut the grace
  const deadline = performance.now() + graceMs;
  while (performance.now() < deadline) {
    if ((await liveMembers(pgid)).length === 0) return "term";
    await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(0, deadline - performance.now()))));
  }
  if ((await liveMembers(pgid)).length === 0) return "term";
  signalGroup(pgid, "SIGKILL");
  for (let i = 0; i < 100 && (await liveMembers(pgid)).length > 0; i++) await new Promise((r) => setTimeout(r, 10));
  return "kill";
}
