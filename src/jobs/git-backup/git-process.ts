import { runProcess, type ProcessScope } from "../process-runner.js";

/**
 * What a git run borrows from the job's run (JobContext is one): --grace between TERM and KILL,
 * the run record that keeps its process group for a restart after a kill -9, the log for the
 * runner's own warnings. No abort signal here: only the commands a shutdown must stop (network
 * commands, fsck) take one, in GitRunOptions — the ref comparison and saves after an aborted
 * fetch must still run.
 */
export type GitScope = Pick<ProcessScope, "graceMs" | "processes" | "log">;

export interface GitRunOptions extends GitScope {
  /** the mirror (or DIR) the command runs in */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** its own limit; on expiry the whole process group is stopped */
  timeoutMs?: number;
  /** aborted on shutdown: the whole process group is stopped */
  signal?: AbortSignal;
  /** called with the process-group id right after spawning (recorded in the mirror lock) */
  onSpawn?: (pgid: number) => void;
  /** data written to stdin, e.g. `update-ref --stdin` transactions */
  input?: string;
  /** what git prints on stdout is never read (a fetch): it goes to /dev/null */
  discardStdout?: boolean;
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
  /** git could not be started (ENOENT: not on PATH); stderr then says "cannot run git: …" */
  spawnError?: string;
}

// Bounds what a misbehaving git (or a hostile server's messages) can make us hold in memory.
const MAX_STDOUT = 256 * 1024 * 1024;
// stderr keeps its head and its tail: a fetch prints a line for every ref it changes, so in a
// mirror with thousands of new tags the "fatal:" line that says what went wrong comes after the cap.
const MAX_STDERR_HEAD = 128 * 1024;
const MAX_STDERR_TAIL = 128 * 1024;
// How long after git's group is gone its pipes may stay open. A helper that left git's process
// group (a daemonizing ssh or credential helper, anything started with setsid) can hold them for
// ever: without this bound the run would hang past every timeout, as the old shell loop did.
const PIPE_WAIT_MS = 2000;

/** stdout up to MAX_STDOUT; stderr's head and tail. */
class GitOutput {
  private readonly out: Buffer[] = [];
  private outLen = 0;
  private readonly errHead: Buffer[] = [];
  private errHeadLen = 0;
  private errTail = Buffer.alloc(0);

  stdout = (b: Buffer): void => {
    if (this.outLen < MAX_STDOUT) this.out.push(b);
    this.outLen += b.length;
  };

  stderr = (b: Buffer): void => {
    if (this.errHeadLen < MAX_STDERR_HEAD) {
      const head = b.subarray(0, MAX_STDERR_HEAD - this.errHeadLen);
      this.errHead.push(head);
      this.errHeadLen += head.length;
      b = b.subarray(head.length);
    }
    if (b.length === 0) return;
    this.errTail = Buffer.concat([this.errTail, b]);
    if (this.errTail.length > MAX_STDERR_TAIL) this.errTail = this.errTail.subarray(this.errTail.length - MAX_STDERR_TAIL);
  };

  stdoutText(): string {
    return Buffer.concat(this.out).toString("utf8");
  }

  stderrText(): string {
    const gap = Buffer.from(this.errTail.length > 0 ? "\n" : "");
    return Buffer.concat([...this.errHead, gap, this.errTail]).toString("utf8");
  }
}

/**
 * Runs git through the one process runner (process-runner.ts): a process group of its own, so a
 * timeout, a shutdown or a lock it could not record stops `git-remote-http` and `ssh` with it
 * (TERM, --grace, KILL), and the group is in the run record for a restart after a kill -9.
 * No shell is involved: args go to execve as they are.
 */
export async function runGit(args: readonly string[], opts: GitRunOptions): Promise<GitRun> {
  const output = new GitOutput();
  const r = await runProcess({
    argv: ["git", ...args],
    cwd: opts.cwd,
    env: opts.env,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    ...(opts.graceMs !== undefined ? { graceMs: opts.graceMs } : {}),
    ...(opts.processes !== undefined ? { processes: opts.processes } : {}),
    ...(opts.log !== undefined ? { log: opts.log } : {}),
    ...(opts.onSpawn !== undefined ? { onSpawn: opts.onSpawn } : {}),
    ...(opts.discardStdout === true ? {} : { onStdout: output.stdout }),
    onStderr: output.stderr,
    pipeWaitMs: PIPE_WAIT_MS,
  });
  if (r.spawnError !== undefined) {
    // worded as Node words it ("spawn git ENOENT"): what the user searches for
    const what = /^E[A-Z]+$/.test(r.spawnError) ? `spawn git ${r.spawnError}` : r.spawnError;
    return {
      code: 127,
      signal: null,
      stdout: "",
      stderr: `cannot run git: ${what}`,
      timedOut: false,
      aborted: false,
      spawnError: r.spawnError,
    };
  }
  return {
    code: r.code,
    signal: r.signal,
    stdout: output.stdoutText(),
    stderr: output.stderrText(),
    timedOut: r.timedOut,
    // stopped while the run's signal said stop: the shutdown (or the run's --timeout)
    aborted: r.stoppedBy !== undefined && opts.signal?.aborted === true,
    ...(r.onSpawnError !== undefined ? { setupError: r.onSpawnError } : {}),
  };
}
