import type { Environment } from "../job.js";
import { fetchWithRetries, reportedFastForwards, type FetchPolicy } from "./fetch-mirror.js";
import { gitEnvironment, type HttpCredential } from "./git-environment.js";
import { runGit } from "./git-process.js";
import { checkMirror, checkMirrorDirectory, MirrorCheckError } from "./mirror-config.js";
import { lockMirror, MirrorBusyError, type MirrorLock } from "./mirror-lock.js";
import { mirrorReader } from "./mirror-reader.js";
import { firstErrorLine } from "./git-error-line.js";
import { backupStamp, backupTransaction, clearJournal, diffRefs, readJournal, snapshotRefs, writeJournal, type RefSnapshot } from "./ref-history.js";
import { removeStaleGitFiles } from "./stale-files.js";

export type RepoStatus = "new" | "updated" | "unchanged" | "failed" | "gone upstream";

export interface RepoOutcome {
  repo: string;
  status: RepoStatus;
  refsUpdated: number;
  /** old ref values saved under refs/backup this run */
  refsSaved: number;
  ms: number;
  attempts: number;
  error?: string;
  notes: string[];
  fsck?: "ok" | "failed";
}

export interface UpdateSettings {
  env: Environment;
  policy: FetchPolicy;
  credentials: readonly HttpCredential[];
  secrets: readonly string[];
  signal: AbortSignal;
  /** seconds since the epoch, from the job's injected clock: names refs/backup/<stamp> */
  nowSeconds: () => number;
}

async function isAncestor(mirror: string, env: NodeJS.ProcessEnv, older: string, newer: string): Promise<boolean> {
  const r = await runGit(["merge-base", "--is-ancestor", older, newer], { cwd: mirror, env, timeoutMs: 60_000 });
  return r.code === 0;
}

async function preserve(
  mirror: string,
  env: NodeJS.ProcessEnv,
  before: RefSnapshot,
  after: RefSnapshot,
  stampSeconds: number,
  fastForwards: readonly { older: string; newer: string }[] = [],
) {
  const known = (o: string, n: string): boolean => fastForwards.some((f) => o.startsWith(f.older) && n.startsWith(f.newer));
  const diff = await diffRefs(before, after, async (o, n) => known(o, n) || isAncestor(mirror, env, o, n));
  const missing: string[] = [];
  if (diff.toSave.length === 0) return { updated: diff.updated, saved: 0, missing };
  const stamp = backupStamp(stampSeconds);
  let toSave = diff.toSave;
  let checkedObjects = false;
  // `create` refuses to overwrite: a second save within the same second gets its own suffix.
  for (let n = 1; n <= 20; n++) {
    const tx = backupTransaction(n === 1 ? stamp : `${stamp}-${n}`, toSave);
    const r = await runGit(["update-ref", "--stdin"], { cwd: mirror, env, input: tx, timeoutMs: 60_000 });
    if (r.code === 0) return { updated: diff.updated, saved: toSave.length, missing };
    if (/exists|reference already/i.test(r.stderr)) continue;
    if (checkedObjects) throw new Error(`saving old refs failed: ${firstErrorLine(r.stderr)}`);
    // An old value whose object this mirror no longer has (a journal from a damaged mirror, or
    // a `git gc --prune=now` by hand after a killed run) cannot be kept; without this the whole
    // save, and every later run, would fail on it. It is said in the log line, never silently.
    checkedObjects = true;
    const present = await existingObjects(mirror, env, toSave);
    for (const x of toSave) if (!present.includes(x)) missing.push(`${x.ref} ${x.oid.slice(0, 12)}`);
    toSave = present;
    if (toSave.length === 0) return { updated: diff.updated, saved: 0, missing };
  }
  throw new Error("saving old refs failed: no free refs/backup stamp");
}

function missingNote(missing: readonly string[]): string {
  const more = missing.length > 5 ? ` and ${missing.length - 5} more` : "";
  return `old values no longer in the mirror, not kept: ${missing.slice(0, 5).join(", ")}${more}`;
}

async function existingObjects(mirror: string, env: NodeJS.ProcessEnv, refs: { ref: string; oid: string }[]) {
  const r = await runGit(["cat-file", "--batch-check=%(objectname)"], {
    cwd: mirror,
    env,
    input: refs.map((x) => `${x.oid}\n`).join(""),
    timeoutMs: 60_000,
  });
  const present = new Set(r.stdout.split("\n").filter((l) => /^[0-9a-f]+$/.test(l)));
  return refs.filter((x) => present.has(x.oid));
}

async function fsck(mirror: string, env: NodeJS.ProcessEnv, timeoutMs: number, signal: AbortSignal): Promise<string | undefined> {
  // Full fsck: a truncated pack or a missing tree passes an up-to-date fetch and
  // `--connectivity-only` alike (reference §3.3).
  const r = await runGit(["fsck", "--full", "--no-dangling", "--no-progress"], { cwd: mirror, env, timeoutMs, signal });
  if (r.code === 0 && !/^error:/m.test(r.stderr)) return undefined;
  return r.timedOut ? "fsck timed out" : `fsck: ${firstErrorLine(r.stderr || r.stdout)}`;
}

/**
 * One mirror, start to finish: lock, clean what a killed git left, check and repair, fetch,
 * then keep every old tip the fetch moved away from under refs/backup/<stamp>/. The before
 * snapshot is journalled in the mirror first, so a kill -9 between fetch and save loses nothing:
 * the next run finishes the comparison.
 */
export async function updateMirror(
  repo: string,
  mirror: string,
  opts: { isNew: boolean; fsckDue: boolean },
  s: UpdateSettings,
): Promise<RepoOutcome> {
  const started = Date.now();
  const outcome: RepoOutcome = { repo, status: "failed", refsUpdated: 0, refsSaved: 0, ms: 0, attempts: 0, notes: [] };
  let lock: MirrorLock | undefined;
  try {
    await checkMirrorDirectory(mirror);
    lock = await lockMirror(mirror);
    const env = gitEnvironment(s.env, mirror);
    const staleAge = s.policy.timeoutMs + 60_000;
    const removed = await removeStaleGitFiles(mirror, lock.inheritedUncleanExit, staleAge, Date.now());
    if (removed.length > 0) outcome.notes.push(`removed stale ${removed.join(", ")}`);
    const reader = mirrorReader(mirror, s.env);
    const cfg = await checkMirror(mirror, reader, env);
    outcome.notes.push(...cfg.repaired);

    const before = await snapshotRefs(reader, mirror, cfg.filesRefStore);
    const journal = await readJournal(mirror);
    if (journal) {
      const recovered = await preserve(mirror, env, journal, before, s.nowSeconds());
      outcome.refsSaved += recovered.saved;
      outcome.notes.push("finished an interrupted run");
      if (recovered.missing.length > 0) outcome.notes.push(missingNote(recovered.missing));
    }
    await writeJournal(mirror, before);

    const credentials = s.credentials.filter((c) => cfg.url.startsWith(c.urlPrefix));
    const fetchEnv = gitEnvironment(s.env, mirror, credentials);
    const fetched = await fetchWithRetries(mirror, fetchEnv, s.policy, s.signal, (pgid) => lock?.recordGit(pgid), lock.token);
    outcome.attempts = fetched.attempts;
    if (fetched.failure === "timeout" || fetched.failure === "aborted") {
      // We killed that git ourselves: whatever lock or temp pack it left is stale by definition.
      await removeStaleGitFiles(mirror, true, 0, Date.now());
    }
    // Even a failed fetch may have moved some refs (it updates all it can), so always compare.
    const after = await snapshotRefs(reader, mirror, cfg.filesRefStore);
    const kept = await preserve(mirror, env, before, after, s.nowSeconds(), reportedFastForwards(fetched.run.stderr));
    await clearJournal(mirror);
    outcome.refsUpdated = kept.updated;
    outcome.refsSaved += kept.saved;
    if (kept.missing.length > 0) outcome.notes.push(missingNote(kept.missing));

    if (fetched.failure !== undefined) {
      outcome.error =
        fetched.failure === "timeout"
          ? `timed out after ${s.policy.timeoutMs} ms, git killed`
          : fetched.failure === "aborted"
            ? "stopped by shutdown, git killed"
            : firstErrorLine(fetched.run.stderr, s.secrets);
      return outcome;
    }
    if (opts.fsckDue) {
      const problem = await fsck(mirror, env, s.policy.timeoutMs * 6, s.signal);
      outcome.fsck = problem ? "failed" : "ok";
      if (problem) {
        outcome.error = problem;
        return outcome;
      }
    }
    outcome.status = opts.isNew ? "new" : kept.updated > 0 ? "updated" : "unchanged";
    return outcome;
  } catch (err) {
    if (err instanceof MirrorCheckError || err instanceof MirrorBusyError) outcome.error = err.message;
    else outcome.error = firstErrorLine(err instanceof Error ? err.message : String(err), s.secrets);
    return outcome;
  } finally {
    await lock?.release();
    outcome.ms = Date.now() - started;
  }
}
