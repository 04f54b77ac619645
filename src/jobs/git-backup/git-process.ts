import { spawn } from "node:child_process";
import { signalGroup } from "../process-group.js";

export interface GitRunOptions {
  /** the mirror (or DIR) the command runs in */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** wall-clock limit; on expiry the whole process group is killed */
  timeoutMs?: number;
  /** aborted on shutdown: the whole process group is killed */
  signal?: AbortSignal;
  /** called with the process-group id right after spawning (recorded in the mirror lock) */
  onSpawn?: (pgid: number) => void;
  /** data written to stdin, e.g. `update-ref --stdin` transactions */
  input?: string;
}

export interface GitRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
  /** onSpawn threw (e.g. ENOSPC recording the lock): git was stopped, this says why */
  setupError?: string;
}

// Bounds what a misbehaving git (or a hostile server's messages) can make us hold in memory.
const MAX_STDOUT = 256 * 1024 * 1024;
// stderr keeps its head and its tail: `fetch --verbose` prints a line for every ref, so in a
// mirror with thousands of tags the "fatal:" line that says what went wrong comes after the cap.
const MAX_STDERR_HEAD = 128 * 1024;
const MAX_STDERR_TAIL = 128 * 1024;
// SIGTERM first so git can remove its own lock files; what is still alive after this gets SIGKILL.
const KILL_GRACE_MS = 1500;
// How long after git exits its pipes may stay open. A helper that left git's process group (a
// daemonizing ssh or credential helper, anything started with setsid) can hold them for ever:
// without this bound the run would hang past every timeout, as the old shell loop did.
const PIPE_GRACE_MS = 2000;
// Node fires a setTimeout of more than 2^31-1 ms (24.8 days) at once; --timeout may be longer
// (and fsck gets six times it), so longer limits are waited for in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** setTimeout without the 24.8-day ceiling; returns the function that cancels it. */
export function setLongTimeout(fn: () => void, ms: number): () => void {
  let timer: NodeJS.Timeout;
  const due = Date.now() + ms;
  const arm = (): void => {
    const left = due - Date.now();
    timer = setTimeout(left > MAX_TIMER_MS ? arm : fn, Math.min(Math.max(left, 0), MAX_TIMER_MS));
  };
  arm();
  return () => clearTimeout(timer);
}

/**
 * Runs git in a process group of its own. simple-git's timeout and abort signal only the `git`
 * process, and a `git-remote-http` or `ssh` child then survives holding our pipes open; killing
 * the group (-pgid) takes every helper with it. No shell is involved: args go to execve as is.
 */
export function runGit(args: readonly string[], opts: GitRunOptions): Promise<GitRun> {
  return new Promise((resolve) => {
    const child = spawn("git", args, {
      cwd: opts.cwd,
      env: opts.env,
      detached: true,
      stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    let spawnError: Error | undefined;

    const killGroup = (sig: NodeJS.Signals): void => {
      if (child.pid !== undefined) signalGroup(child.pid, sig);
    };
    const stop = (): void => {
      if (killTimer) return;
      killGroup("SIGTERM");
      killTimer = setTimeout(() => killGroup("SIGKILL"), KILL_GRACE_MS);
    };
    const cancelTimer =
      opts.timeoutMs === undefined
        ? undefined
        : setLongTimeout(() => {
            timedOut = true;
            stop();
          }, opts.timeoutMs);
    const onAbort = (): void => {
      aborted = true;
      stop();
    };
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener("abort", onAbort, { once: true });

    let setupError: string | undefined;
    if (child.pid !== undefined && opts.onSpawn) {
      try {
        opts.onSpawn(child.pid);
      } catch (e) {
        // The caller could not record this git (a full disk): it must not run on unrecorded,
        // and this promise settles only once the whole group is gone, so no lock is released
        // while git could still move a ref.
        setupError = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
        stop();
      }
    }
    child.stdout?.on("data", (b: Buffer) => {
      if (outLen < MAX_STDOUT) out.push(b);
      outLen += b.length;
    });
    let errTail = Buffer.alloc(0);
    child.stderr?.on("data", (b: Buffer) => {
      if (errLen < MAX_STDERR_HEAD) {
        const head = b.subarray(0, MAX_STDERR_HEAD - errLen);
        err.push(head);
        errLen += head.length;
        b = b.subarray(head.length);
      }
      if (b.length === 0) return;
      errTail = Buffer.concat([errTail, b]);
      if (errTail.length > MAX_STDERR_TAIL) errTail = errTail.subarray(errTail.length - MAX_STDERR_TAIL);
    });
    if (opts.input !== undefined && child.stdin) {
      child.stdin.on("error", () => {});
      child.stdin.end(opts.input);
    }
    child.on("error", (e) => {
      spawnError = e;
    });
    let pipeTimer: NodeJS.Timeout | undefined;
    child.on("exit", () => {
      // A killed leader may leave helpers behind in its group; they must not outlive it.
      if (timedOut || aborted || setupError !== undefined) killGroup("SIGKILL");
      pipeTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, PIPE_GRACE_MS);
    });
    child.on("close", (code, signal) => {
      cancelTimer?.();
      if (pipeTimer) clearTimeout(pipeTimer);
      if (killTimer) clearTimeout(killTimer);
      opts.signal?.removeEventListener("abort", onAbort);
      resolve({
        code: spawnError ? 127 : code,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: spawnError ? `cannot run git: ${spawnError.message}` : Buffer.concat([...err, Buffer.from(errTail.length > 0 ? "\n" : ""), errTail]).toString("utf8"),
        timedOut,
        aborted,
        ...(setupError === undefined ? {} : { setupError }),
      });
    });
  });
}

// What git prints on the way to a failure that says nothing about it: progress, verbose chatter.
const CHATTER = /^(Looking up |Connecting to |From |POST |Fetching |Receiving |Resolving |Counting |Compressing |Enumerating |Total |Unpacking |[ =*+!-] |\s*$)/;

/**
 * The line of git's stderr that says what went wrong, unredacted (callers redact): git's own
 * first `fatal:` line, else its first `error:` line, wherever in a line git put it (over
 * git:// the fatal follows "Connecting to HOST (port N) ... " on the same line), with the
 * continuation git prints after a line ending in ":" (the errno: "Connection refused").
 * `remote:` lines are the server's text: they never outrank git's own words.
 */
export function gitErrorLine(stderr: string): string {
  const lines = stderr.split(/\r?\n|\r/).filter((l) => !/^remote:/.test(l));
  for (const word of ["fatal:", "error:"]) {
    for (let i = 0; i < lines.length; i++) {
      const at = lines[i]!.search(new RegExp(`(^|\\s)${word}`));
      if (at < 0) continue;
      let line = lines[i]!.slice(at).trim();
      for (let j = i + 1; line.endsWith(":") && j < lines.length && j <= i + 2; j++) {
        const next = lines[j]!.trim();
        if (next === "" || /^(fatal|error):/.test(next)) break;
        line = `${line} ${next}`;
      }
      return line;
    }
  }
  const meaningful = lines.map((l) => l.trim()).filter((l) => !CHATTER.test(l));
  return meaningful.at(-1) ?? lines.map((l) => l.trim()).filter(Boolean).at(-1) ?? "(no message)";
}
