import { join } from "node:path";
import { runGit, type GitScope } from "./git-process.js";
import type { RefSnapshot } from "./ref-history.js";
import { gitFailureLine } from "./git-error-line.js";
import { readRegularFileSync } from "../regular-file.js";
import { inSlot, type Slots } from "../bounded-pool.js";

/** The branch HEAD names, if HEAD is symbolic; undefined for a detached or unreadable HEAD. */
async function headTarget(mirror: string, env: NodeJS.ProcessEnv, filesStore: boolean, scope: GitScope): Promise<string | undefined> {
  if (filesStore) {
    let text = "";
    try {
      text = readRegularFileSync(join(mirror, "HEAD"));
    } catch {
      // no HEAD: nothing to follow
    }
    const m = /^ref: (\S+)\n?$/.exec(text);
    if (m) return m[1];
  }
  const r = await runGit(["symbolic-ref", "-q", "HEAD"], { ...scope, cwd: mirror, env, timeoutMs: 60_000 });
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/**
 * The branch `ls-remote --symref origin HEAD` says the upstream's HEAD is, accepted only if it
 * is a branch this mirror has just fetched: the text comes from the server, so nothing else it
 * says can reach our HEAD (not a tag, not a path, not a ref we do not have).
 */
export function upstreamDefaultBranch(lsRemoteOutput: string, fetched: RefSnapshot): string | undefined {
  for (const line of lsRemoteOutput.split("\n")) {
    const m = /^ref: (refs\/heads\/[^\t\n]+)\tHEAD$/.exec(line);
    if (m && fetched.has(m[1]!)) return m[1];
  }
  return undefined;
}

/**
 * A mirror made with `git init --bare` plus a remote keeps HEAD on an unborn `master`, and a
 * `git clone` of it (a restore) checks out nothing. When HEAD names no fetched branch, ask the
 * upstream which branch its HEAD is and point ours there. One round trip, only while HEAD is
 * unborn: once it names a branch we have, this costs a file read per run.
 * Returns a note for the log line, or undefined when nothing changed.
 */
export async function followUpstreamHead(
  mirror: string,
  env: NodeJS.ProcessEnv,
  fetchEnv: NodeJS.ProcessEnv,
  fetched: RefSnapshot,
  filesStore: boolean,
  /** `network`: the run's slots, taken for the ls-remote only (reading HEAD needs none) */
  limits: { timeoutMs: number; signal: AbortSignal; onSpawn?: (pgid: number) => void; network: Slots },
  scope: GitScope,
): Promise<string | undefined> {
  const current = await headTarget(mirror, env, filesStore, scope);
  if (current !== undefined && fetched.has(current)) return undefined;
  if (![...fetched.keys()].some((r) => r.startsWith("refs/heads/"))) return undefined;
  const asked = await inSlot(limits.network, () =>
    runGit(["ls-remote", "--symref", "origin", "HEAD"], {
      ...scope,
      cwd: mirror,
      env: fetchEnv,
      timeoutMs: Math.min(limits.timeoutMs, 60_000),
      signal: limits.signal,
      ...(limits.onSpawn ? { onSpawn: limits.onSpawn } : {}),
    }),
  );
  if (asked.code !== 0) return `HEAD names no branch; asking upstream failed: ${gitFailureLine(asked.stderr)}`;
  const branch = upstreamDefaultBranch(asked.stdout, fetched);
  if (branch === undefined) return "HEAD names no branch; upstream named no branch of ours";
  // argv word after a fixed subcommand, starting with refs/heads/: never an option
  const set = await runGit(["symbolic-ref", "HEAD", branch], { ...scope, cwd: mirror, env, timeoutMs: 60_000 });
  if (set.code !== 0) return `setting HEAD failed: ${gitFailureLine(set.stderr)}`;
  return `HEAD set to ${branch} (upstream default branch)`;
}
