import { sleepFor } from "../long-timer.js";
import { runGit, type GitRun, type GitScope } from "./git-process.js";
import { MIRROR_REFSPECS } from "./mirror-config.js";

// Set per run on the command line (visible in ps, but not secret): no auto-gc while refs are
// being compared; http aborts by itself on a stalled transfer (git:// cannot: the timeout kills).
const FETCH_CONFIG = [
  "-c",
  "gc.auto=0",
  "-c",
  "maintenance.auto=false",
  "-c",
  "http.lowSpeedLimit=1000",
  "-c",
  "http.lowSpeedTime=60",
  "-c",
  "core.askPass=",
  "-c",
  "credential.interactive=false",
];

/**
 * git fetch argv: explicit refspecs, so whatever the config says, refs/backup is out of reach.
 * `lockToken` (hex, from the mirror lock) marks the process for `ps` if a kill -9 orphans it.
 */
export function fetchArgs(lockToken?: string): string[] {
  const mark = lockToken === undefined ? [] : ["-c", `chime.lock=${lockToken}`];
  // Not --verbose: its "[up to date]" line per ref, every run, cost git the writing and us the
  // reading (thousands of lines for a mirror with many tags) and decided nothing; what a
  // failure says (fatal:, error:) and the refs that did change are printed without it.
  return [...FETCH_CONFIG, ...mark, "fetch", "--prune", "--no-write-fetch-head", "origin", ...MIRROR_REFSPECS];
}

/** "local": we stopped git ourselves because we could not record it (e.g. a full disk) */
export type FailureKind = "permanent" | "transient" | "timeout" | "aborted" | "local";

const PERMANENT = [
  /authentication failed/i,
  /could not read (username|password)/i,
  /terminal prompts disabled/i,
  /repository .*not found/i,
  /no such repository/i,
  /does not appear to be a git repository/i,
  /returned error: (400|401|403|404|410|451)\b/i,
  /permission denied \(publickey/i,
  /access denied|access rights/i,
  /not a git repository/i,
  // a damaged mirror does not heal by retrying
  /bad object|corrupt|does not match index/i,
  // git itself cannot be started (not on PATH): retrying will not find it
  /^cannot run git:/m,
];

export function classifyFailure(run: GitRun): FailureKind {
  if (run.aborted) return "aborted";
  if (run.timedOut) return "timeout";
  if (run.setupError !== undefined) return "local";
  return PERMANENT.some((re) => re.test(run.stderr)) ? "permanent" : "transient";
}

export interface FetchOutcome {
  run: GitRun;
  /** undefined when the fetch succeeded */
  failure: FailureKind | undefined;
  attempts: number;
}

export interface FetchPolicy {
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
}

/** What one mirror's fetch borrows from the run besides its policy. */
export interface FetchRun extends GitScope {
  /** the shutdown: stops the fetch and any back-off */
  signal: AbortSignal;
  /** records each fetch's process group in the mirror lock */
  onSpawn: (pgid: number) => void;
  lockToken?: string;
  /** the job's injected clock, in ms: the limit covers all attempts and back-offs together */
  nowMs: () => number;
}

/**
 * Fetches with retries for transient failures (connection refused, reset, 5xx) and none for
 * permanent ones (auth, not found) or a timeout, which already used the repository's budget.
 * The wall-clock limit covers all attempts together.
 */
export async function fetchWithRetries(mirror: string, env: NodeJS.ProcessEnv, policy: FetchPolicy, f: FetchRun): Promise<FetchOutcome> {
  const { signal, onSpawn, lockToken, nowMs, ...scope } = f;
  const deadline = nowMs() + policy.timeoutMs;
  for (let attempt = 1; ; attempt++) {
    const run = await runGit(fetchArgs(lockToken), {
      ...scope,
      cwd: mirror,
      env,
      // what a fetch says (its failure, the refs it changed) is on stderr; nothing decides on stdout
      discardStdout: true,
      timeoutMs: Math.max(1, deadline - nowMs()),
      signal,
      onSpawn,
    });
    if (run.code === 0 && !run.timedOut && !run.aborted) return { run, failure: undefined, attempts: attempt };
    const failure = classifyFailure(run);
    const delay = policy.retryDelayMs * 4 ** (attempt - 1);
    if (failure !== "transient" || attempt > policy.retries || nowMs() + delay >= deadline) {
      return { run, failure, attempts: attempt };
    }
    await sleepFor(delay, signal);
    if (signal.aborted) return { run: { ...run, aborted: true }, failure: "aborted", attempts: attempt };
  }
}
