import type { Environment } from "../job.js";
import { gitEnvironment } from "./git-environment.js";
import { runGit, type GitScope } from "./git-process.js";
import { gitFailureLine } from "./git-error-line.js";

/** `git lfs version` answers: Debian's git-lfs is installed where this run's git finds it. */
export async function lfsInstalled(dir: string, env: Environment, scope: GitScope): Promise<boolean> {
  const r = await runGit(["lfs", "version"], { ...scope, cwd: dir, env: gitEnvironment(env, undefined), timeoutMs: 30_000 });
  return r.code === 0 && /git-lfs\//.test(r.stdout);
}

export interface LfsResult {
  /** undefined when every object of every ref is here */
  problem: string | undefined;
  /** objects the server said it does not have, by oid */
  missing: string[];
}

/**
 * `git lfs fetch --all origin`: every LFS object any ref of the mirror names (refs/backup too:
 * `--all` walks every ref), so a restore of any saved tip is complete. The oids it names as
 * missing are read from its output only to name them in the warning; nothing is decided by them.
 */
export async function fetchLfsObjects(
  mirror: string,
  fetchEnv: NodeJS.ProcessEnv,
  limits: { timeoutMs: number; signal: AbortSignal; onSpawn?: (pgid: number) => void },
  scope: GitScope,
  secrets: readonly string[],
): Promise<LfsResult> {
  const r = await runGit(["lfs", "fetch", "--all", "origin"], {
    ...scope,
    cwd: mirror,
    env: fetchEnv,
    timeoutMs: limits.timeoutMs,
    signal: limits.signal,
    ...(limits.onSpawn ? { onSpawn: limits.onSpawn } : {}),
  });
  if (r.code === 0 && !r.timedOut && !r.aborted) return { problem: undefined, missing: [] };
  const text = `${r.stdout}\n${r.stderr}`;
  // "[OID] Object does not exist on the server: [404] …" (http), "error transferring "OID": [0]
  // remote missing object OID" (file://): the oid on a line that says it is missing
  const missing = [
    ...new Set(
      text
        .split("\n")
        .filter((l) => /missing|does not exist|not found|\b404\b/i.test(l))
        .flatMap((l) => [...l.matchAll(/\b[0-9a-f]{64}\b/g)].map((m) => m[0])),
    ),
  ].slice(0, 1000);
  if (r.timedOut) return { problem: "LFS fetch timed out, git-lfs killed", missing };
  if (r.aborted) return { problem: "LFS fetch stopped by shutdown", missing };
  if (missing.length > 0) {
    const more = missing.length > 5 ? ` and ${missing.length - 5} more` : "";
    return { problem: `LFS objects missing upstream: ${missing.slice(0, 5).join(", ")}${more}`, missing };
  }
  return { problem: `LFS fetch failed: ${gitFailureLine(r.stderr || r.stdout, secrets)}`, missing };
}
