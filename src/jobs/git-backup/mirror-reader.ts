import type { Environment } from "../job.js";
import { runGit, type GitScope } from "./git-process.js";
import { gitErrorLine } from "./git-error-line.js";

/** a local read in one repository: seconds at most; a git stuck longer is stopped */
const READ_LIMIT_MS = 60_000;

/**
 * The environment of the local reads (config, refs): built from scratch, so only what we list
 * reaches git; GIT_DIR pins it to the mirror.
 */
function readEnvironment(env: Environment, mirror: string): NodeJS.ProcessEnv {
  return {
    PATH: env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: env.HOME ?? "/",
    LC_ALL: "C",
    GIT_DIR: mirror,
    GIT_TERMINAL_PROMPT: "0",
  };
}

export class MirrorReadError extends Error {
  override readonly name = "MirrorReadError";
  constructor(
    message: string,
    /** git itself could not be started (not on PATH, not executable): not the mirror's fault */
    readonly cannotRun: boolean,
  ) {
    super(message);
  }
}

/**
 * What a local read of `mirror` prints (`config --get-regexp`, `for-each-ref`), through the one
 * process runner like every git we start. A read that finds nothing (exit 1, silent: `config`
 * with no matching key) is an empty answer; any other failure throws MirrorReadError with the
 * line of git's stderr that says why. No abort signal: a read is local and bounded, and the
 * reads after an aborted fetch are what keeps the history the fetch may have moved.
 */
export async function readMirror(mirror: string, env: Environment, args: readonly string[], scope: GitScope): Promise<string> {
  const r = await runGit(args, { ...scope, cwd: mirror, env: readEnvironment(env, mirror), timeoutMs: READ_LIMIT_MS });
  if (r.spawnError !== undefined) throw new MirrorReadError(r.stderr, true);
  if (r.code === 0 || (r.code === 1 && r.stderr.trim() === "")) return r.stdout;
  throw new MirrorReadError(r.timedOut ? `git ${args[0]} did not finish within ${READ_LIMIT_MS / 1000} s` : gitErrorLine(r.stderr), false);
}
