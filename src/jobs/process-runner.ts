import type { ChildProcess } from "node:child_process";
import type { Logger } from "pino";
import { formatDurationMs } from "../time/duration-option.js";
import { DEFAULT_GRACE_MS, type Environment } from "./job.js";
import { setLongTimeout } from "./long-timer.js";
import { groupAlive, leaderStart, signalGroup, type OwnedGroup } from "./process-group.js";

/**
 * The one way chime starts a child process (exec, ntp-check's tools and --on-critical, git-backup;
 * runProcessSync and runInForeground below for the start-up lookups and the rw-* tools' final
 * program). Every child of runProcess gets:
 * - its own process group (detached), so TERM and KILL reach everything it starts;
 * - abort (shutdown, the run's --timeout) or its own timeout → TERM to the group → grace → KILL;
 * - a bounded wait for its pipes after it exits: a daemonized grandchild that left the group
 *   may hold stdout for ever, and must not hang the run;
 * - a record of its group (pgid and the leader's start time) handed to the run's tracker, so
 *   that the next chime can end the group after a kill -9 of this one (process-group.ts).
 * No shell: argv goes to execve as it is.
 */

/** Where a run records the groups it owns; the daemon keeps them in the job's run record. */
export interface ProcessTracker {
  /** a group was started; called again with `started` once the leader's start time is read */
  record(g: OwnedGroup): void;
  /** the group is gone (or deliberately left alone): forget it */
  release(pgid: number): void;
  /**
   * false: the records die with this process (a run once), so nothing will ever need to prove
   * a group is ours after a kill -9 and the leader's start time — one `ps` per process started,
   * as many processes as the command itself — is not asked for. Absent: asked for.
   */
  readonly wantsStartTime?: boolean;
}

/** What a run lends every process it starts; a JobContext is one. */
export interface ProcessScope {
  /** aborted on shutdown or the run's timeout: the whole group gets TERM, then KILL */
  readonly signal?: AbortSignal;
  /** between TERM and KILL; absent: DEFAULT_GRACE_MS */
  readonly graceMs?: number;
  readonly processes?: ProcessTracker;
  /** for the two events a user needs to see: KILL was needed, processes were left behind */
  readonly log?: Logger;
}

export interface ProcessRequest extends ProcessScope {
  readonly argv: readonly string[];
  /** the child's whole environment; absent: ours */
  readonly env?: Environment;
  readonly cwd?: string;
  /** written to the child's stdin, which is then closed; absent: stdin is /dev/null */
  readonly input?: string;
  readonly onStdout?: (chunk: Buffer) => void;
  readonly onStderr?: (chunk: Buffer) => void;
  /** the child's own limit, besides the run's abort signal */
  readonly timeoutMs?: number;
  /**
   * Processes still in the group when the command exits: "end" them (the default: a job must
   * leave nothing behind), or "leave" them (a restart command whose new daemon stays).
   */
  readonly leftovers?: "end" | "leave";
  /** how long the pipes may stay open once nothing of the group is left (default 1 s) */
  readonly pipeWaitMs?: number;
  /**
   * Called with the group id right after the spawn, before anything waits (git-backup's lock).
   * If it throws, the group is stopped at once (TERM → grace → KILL) and the outcome carries
   * the error as `onSpawnError`: a command its caller could not record must not run on.
   */
  readonly onSpawn?: (pgid: number) => void;
}

export interface ProcessOutcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** it could not be started: the errno code (ENOENT, EACCES) or the message */
  readonly spawnError?: string;
  /** we stopped it: the abort reason, "timeout after 10s" for its own timeout, or onSpawn's error */
  readonly stoppedBy?: string;
  /** onSpawn threw: its errno code (ENOSPC) or message; the command was stopped because of it */
  readonly onSpawnError?: string;
  readonly timedOut: boolean;
  /** processes were still in its group when it exited */
  readonly leftBehind: boolean;
}

const DEFAULT_PIPE_WAIT_MS = 1000;
/** how often the pipe wait looks whether the group is gone */
const GROUP_POLL_MS = 100;

export function runProcess(req: ProcessRequest): Promise<ProcessOutcome> {
  const [command, ...args] = req.argv;
  const graceMs = req.graceMs ?? DEFAULT_GRACE_MS;
  // loaded at the first run, not at start: child_process and what it brings (net, dgram, the
  // socket list) cost an idle service ~0.4 MB resident (docs/operations.md, "Memory")
  const { spawn } = process.getBuiltinModule("node:child_process");
  return new Promise((resolve) => {
    if (req.signal?.aborted) {
      // stopped before it started (a shutdown while its caller waited for a turn): no process
      // to start only to stop it at once
      resolve({ code: null, signal: null, stoppedBy: abortReason(req.signal), timedOut: false, leftBehind: false });
      return;
    }
    let child: ChildProcess;
    try {
      child = spawn(command ?? "", args, {
        detached: true,
        // an output nobody reads goes to /dev/null: a pipe less to make, watch and drain
        stdio: [req.input === undefined ? "ignore" : "pipe", req.onStdout ? "pipe" : "ignore", req.onStderr ? "pipe" : "ignore"],
        ...(req.env ? { env: req.env as NodeJS.ProcessEnv } : {}),
        ...(req.cwd !== undefined ? { cwd: req.cwd } : {}),
      });
    } catch (e) {
      // bad argv (a NUL byte, an empty command): nothing was started
      resolve({
        code: null,
        signal: null,
        spawnError: (e as NodeJS.ErrnoException).code ?? (e as Error).message,
        timedOut: false,
        leftBehind: false,
      });
      return;
    }
    const pgid = child.pid;
    const spawnedMs = Date.now();
    let stoppedBy: string | undefined;
    let timedOut = false;
    let leftBehind = false;
    let terminating = false;
    let settled = false;
    let onSpawnError: string | undefined;
    let cancelKill: (() => void) | undefined;
    let cancelTimeout: (() => void) | undefined;

    if (pgid !== undefined) {
      req.processes?.record({ pgid, spawnedMs });
      try {
        req.onSpawn?.(pgid);
      } catch (e) {
        // stopped below, once `stop` exists; nothing has waited yet
        onSpawnError = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      }
      // one `ps` per process, only when there is a record that keeps its answer
      if (req.processes && req.processes.wantsStartTime !== false) {
        void leaderStart(pgid).then((started) => {
          if (started !== undefined && !settled) req.processes?.record({ pgid, spawnedMs, started });
        });
      }
    }

    child.stdout?.on("data", (c: Buffer) => req.onStdout?.(c));
    child.stderr?.on("data", (c: Buffer) => req.onStderr?.(c));
    if (req.input !== undefined && child.stdin) {
      child.stdin.on("error", () => {}); // EPIPE: the child did not read it all; its exit says why
      child.stdin.end(req.input);
    }

    /** TERM to the whole group now, KILL to what is left after the grace */
    const terminate = (): void => {
      if (pgid === undefined || terminating) return;
      terminating = true;
      signalGroup(pgid, "SIGTERM");
      cancelKill = setLongTimeout(() => {
        if (!groupAlive(pgid)) return;
        req.log?.warn({ pgid, grace_s: graceMs / 1000 }, "command ignored TERM, sending KILL to its process group");
        signalGroup(pgid, "SIGKILL");
      }, graceMs);
    };
    const stop = (why: string): void => {
      stoppedBy ??= why;
      terminate();
    };
    const onAbort = (): void => stop(abortReason(req.signal!));
    if (onSpawnError !== undefined) stop(`cannot record the process: ${onSpawnError}`);
    if (req.signal?.aborted) onAbort();
    else req.signal?.addEventListener("abort", onAbort, { once: true });
    if (req.timeoutMs !== undefined) {
      const limit = formatDurationMs(req.timeoutMs);
      cancelTimeout = setLongTimeout(() => {
        timedOut = true;
        stop(`timeout after ${limit}`);
      }, req.timeoutMs);
    }

    const finish = (o: Omit<ProcessOutcome, "stoppedBy" | "timedOut" | "leftBehind">): void => {
      if (settled) return;
      settled = true;
      cancelKill?.();
      cancelTimeout?.();
      req.signal?.removeEventListener("abort", onAbort);
      if (pgid !== undefined) req.processes?.release(pgid);
      resolve({
        ...o,
        ...(stoppedBy !== undefined ? { stoppedBy } : {}),
        ...(onSpawnError !== undefined ? { onSpawnError } : {}),
        timedOut,
        leftBehind,
      });
    };

    child.on("error", (e: NodeJS.ErrnoException) => {
      // spawn failures (ENOENT, EACCES) come here and no "exit" follows
      if (child.pid === undefined) finish({ code: null, signal: null, spawnError: e.code ?? e.message });
    });

    child.on("exit", (code, signal) => {
      if (pgid !== undefined && groupAlive(pgid)) {
        leftBehind = true;
        // an aborted run leaves nothing behind, whatever the policy
        if (req.leftovers !== "leave" || stoppedBy !== undefined) {
          if (stoppedBy === undefined) req.log?.warn({ pgid }, "command left processes behind, terminating them");
          terminate();
        }
      }
      const watchGroup = req.leftovers === "leave" && stoppedBy === undefined ? undefined : pgid;
      void waitForPipes(child, watchGroup, req.pipeWaitMs ?? DEFAULT_PIPE_WAIT_MS).then(() => finish({ code, signal }));
    });
  });
}

export function abortReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  if (typeof r === "string") return r;
  if (r instanceof Error && r.message) return r.message;
  return "aborted";
}

/**
 * Resolves when the child's output pipes have closed, or `waitMs` after its group (when
 * watched) is gone: only then can nothing of ours write to them any more, and a process
 * outside the group (setsid) that holds them must not hold the run.
 */
function waitForPipes(child: ChildProcess, pgid: number | undefined, waitMs: number): Promise<void> {
  const pipes = [child.stdout, child.stderr].filter((s) => s !== null);
  const closed = (s: (typeof pipes)[number]) => new Promise<void>((r) => (s.closed || s.readableEnded ? r() : s.once("close", () => r())));
  return new Promise((resolve) => {
    let giveUp: NodeJS.Timeout | undefined;
    const done = (): void => {
      clearInterval(poll);
      clearTimeout(giveUp);
      resolve();
    };
    const groupGone = (): void => {
      clearInterval(poll);
      giveUp = setTimeout(() => {
        for (const s of pipes) s.destroy();
        done();
      }, waitMs);
    };
    const poll = setInterval(() => {
      if (pgid === undefined || !groupAlive(pgid)) groupGone();
    }, GROUP_POLL_MS);
    if (pgid === undefined) groupGone();
    void Promise.all(pipes.map(closed)).then(done);
  });
}

/** A short synchronous lookup before any job runs: id(1), chgrp(1), a probe as another user. */
export interface SyncProcessRequest {
  readonly argv: readonly string[];
  /** the child's whole environment; absent: ours */
  readonly env?: Environment;
  readonly cwd?: string;
  /** written to the child's stdin, which is then closed; absent: stdin is /dev/null */
  readonly input?: string;
  /** absent: no limit of its own */
  readonly timeoutMs?: number;
  /** run as this user and group (root only): install-service's probe as the service's user */
  readonly uid?: number;
  readonly gid?: number;
}

export interface SyncProcessOutcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** it could not be started, or its timeout ended it: the errno code (ENOENT, ETIMEDOUT) or the message */
  readonly spawnError?: string;
}

/**
 * Runs a short command to its end, blocking: the start-up lookups whose answer everything after
 * depends on. Node's synchronous spawn cannot give the child its own group; these commands
 * start nothing of their own, and the timeout (TERM) ends them.
 */
export function runProcessSync(req: SyncProcessRequest): SyncProcessOutcome {
  const [command, ...args] = req.argv;
  const { spawnSync } = process.getBuiltinModule("node:child_process");
  const r = spawnSync(command ?? "", args, {
    encoding: "utf8",
    stdio: [req.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    ...(req.input !== undefined ? { input: req.input } : {}),
    ...(req.env ? { env: req.env as NodeJS.ProcessEnv } : {}),
    ...(req.cwd !== undefined ? { cwd: req.cwd } : {}),
    ...(req.timeoutMs !== undefined ? { timeout: req.timeoutMs } : {}),
    ...(req.uid !== undefined ? { uid: req.uid } : {}),
    ...(req.gid !== undefined ? { gid: req.gid } : {}),
  });
  const base = { code: r.status, signal: r.signal, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  if (r.error) return { ...base, spawnError: (r.error as NodeJS.ErrnoException).code ?? r.error.message };
  return base;
}

/** A program run in our place, for a caller that would have exec'd it (run-final-program.ts). */
export interface ForegroundRequest {
  readonly file: string;
  readonly args: readonly string[];
  /** its argv[0]; absent: file */
  readonly argv0?: string;
  readonly env: Environment;
  /** signals sent to us that are passed on to it while it runs */
  readonly forward: readonly NodeJS.Signals[];
}

export type ForegroundEnd = { readonly code: number | null; readonly signal: NodeJS.Signals | null } | { readonly spawnError: string };

/**
 * Runs a program with our stdin, stdout and stderr, in our process group (it stands in for us:
 * a supervisor's signal to the group reaches it as it would have after an exec), passes the
 * `forward` signals on, and resolves with how it ended.
 */
export function runInForeground(req: ForegroundRequest): Promise<ForegroundEnd> {
  const { spawn } = process.getBuiltinModule("node:child_process");
  // Listen before spawning: the child may already run and talk before spawn() returns, and a
  // signal sent then must not meet the default action (killing us and orphaning the child).
  // Caught signals are delivered through the event loop, so `child` is set by then.
  let child: ChildProcess | undefined;
  const forward = (sig: NodeJS.Signals): void => {
    child?.kill(sig);
  };
  for (const sig of req.forward) process.on(sig, forward);
  const started = spawn(req.file, req.args, {
    stdio: "inherit",
    env: req.env as NodeJS.ProcessEnv,
    ...(req.argv0 !== undefined ? { argv0: req.argv0 } : {}),
  });
  child = started;
  return new Promise<ForegroundEnd>((done) => {
    const stopForwarding = (): void => {
      for (const sig of req.forward) process.removeListener(sig, forward);
    };
    started.once("error", (err: NodeJS.ErrnoException) => {
      stopForwarding();
      done({ spawnError: err.code ?? err.message });
    });
    started.once("exit", (code, signal) => {
      stopForwarding();
      done({ code, signal });
    });
  });
}

export type { OwnedGroup } from "./process-group.js";
