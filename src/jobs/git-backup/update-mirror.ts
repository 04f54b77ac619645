import type { Environment } from "../job.js";
import { fetchWithRetries, type FetchPolicy } from "./fetch-mirror.js";
import { gitEnvironment, type HttpCredential } from "./git-environment.js";
import { runGit, type GitScope } from "./git-process.js";
import { checkMirror, checkMirrorDirectory, MirrorCheckError } from "./mirror-config.js";
import { LockBusyError } from "../pid-lock.js";
import { LOCK_FILE, lockMirror, type MirrorLock } from "./mirror-lock.js";
import { followUpstreamHead } from "./mirror-head.js";
import { clearJournal, diffRefs, readJournal, snapshotRefs, writeJournal, type RefSnapshot } from "./ref-history.js";
import { HASHED_DIR, saveOldRefs } from "./save-old-refs.js";
import { removeStaleGitFiles } from "./stale-files.js";
import { firstErrorLine, gitFailureLine } from "./git-error-line.js";
import { fetchLfsObjects } from "./lfs-fetch.js";
import { reflogSaysFastForward } from "./fetch-reflog.js";
import { inSlot, type Slots } from "../bounded-pool.js";
import type { UnchangedUpstreams } from "./unchanged-upstream.js";

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
  /** fetched, but something is incomplete (an LFS object missing upstream): a WARNING naming it */
  warning?: string;
}

export interface UpdateSettings {
  env: Environment;
  policy: FetchPolicy;
  credentials: readonly HttpCredential[];
  secrets: readonly string[];
  signal: AbortSignal;
  /** ms since the epoch, from the job's injected clock: deadlines, file ages, refs/backup/<stamp> */
  nowMs: () => number;
  /** --grace, the run record and the log, lent to every git */
  git: GitScope;
  /** --lfs, and git-lfs is installed: fetch every LFS object after each fetch */
  lfs?: boolean;
  /**
   * --concurrency: every network git (and fsck, the other heavy one) runs inside one of these
   * slots; the local steps around them do not wait for one.
   */
  network: Slots;
  /** asks upstreams whether anything changed, where that can replace a fetch (unchanged-upstream.ts) */
  upstreams?: UnchangedUpstreams;
}

async function isAncestor(mirror: string, env: NodeJS.ProcessEnv, older: string, newer: string, scope: GitScope): Promise<boolean> {
  const r = await runGit(["merge-base", "--is-ancestor", older, newer], { ...scope, cwd: mirror, env, timeoutMs: 60_000 });
  // 1 is "no"; anything else (an object missing, git killed) is not a "yes" either: keeping
  // the old value costs one ref, losing it costs history.
  return r.code === 0;
}

/**
 * Which old values to keep is decided from the refs alone: the values read locally before and
 * after the fetch, and ancestry checked locally by git. Nothing git printed (the server can put
 * any text there, "   a..b  main -> main" lookalikes included) takes part.
 */
async function preserve(
  mirror: string,
  env: NodeJS.ProcessEnv,
  before: RefSnapshot,
  after: RefSnapshot,
  stampSeconds: number,
  scope: GitScope,
  filesStore: boolean,
) {
  // the fetch's own reflog entry answers for a branch it fast-forwarded; git is asked otherwise
  const diff = await diffRefs(
    before,
    after,
    async (o, n, ref) => (filesStore && reflogSaysFastForward(mirror, ref, o, n)) || isAncestor(mirror, env, o, n, scope),
  );
  const kept = await saveOldRefs(mirror, env, diff.toSave, stampSeconds, scope);
  return { updated: diff.updated, ...kept };
}

function missingNote(missing: readonly string[]): string {
  const more = missing.length > 5 ? ` and ${missing.length - 5} more` : "";
  return `old values no longer in the mirror, not kept: ${missing.slice(0, 5).join(", ")}${more}`;
}

function hashedNote(hashed: readonly string[]): string {
  const shown = hashed.slice(0, 3).map((r) => (r.length > 60 ? `${r.slice(0, 60)}…` : r));
  const more = hashed.length > 3 ? ` and ${hashed.length - 3} more` : "";
  return `name too long to keep as is, saved under refs/backup/<stamp>/${HASHED_DIR}/<sha256>: ${shown.join(", ")}${more}`;
}

async function fsck(
  mirror: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  signal: AbortSignal,
  scope: GitScope,
): Promise<string | undefined> {
  // Full fsck: a truncated pack or a missing tree passes an up-to-date fetch and
  // `--connectivity-only` alike (reference §3.3).
  const r = await runGit(["fsck", "--full", "--no-dangling", "--no-progress"], { ...scope, cwd: mirror, env, timeoutMs, signal });
  if (r.code === 0 && !/^error:/m.test(r.stderr)) return undefined;
  return r.timedOut ? "fsck timed out" : `fsck: ${gitFailureLine(r.stderr || r.stdout)}`;
}

/**
 * One mirror, start to finish: lock, clean what a killed git left, check and repair, fetch,
 * then keep every old tip the fetch moved away from under refs/backup/<stamp>/. The before
 * snapshot is journalled in the mirror first, so a kill -9 between fetch and save loses nothing:
 * the next run finishes the comparison.
 *
 * The small reads and writes of the mirror's own files (lock, leftovers, config, refs, journal,
 * HEAD) are synchronous. Each async one is a hand-over to Node's thread pool and back, measured
 * at ~130 µs of CPU against ~8 µs on the virtual machines backup hosts often are; some forty of
 * them per mirror were most of what chime cost beside git, and on a host busy with other work
 * that CPU is what made a run slower than `xargs -P4 git fetch`. They are local files of a few
 * bytes each, in the directory where the lock record is written synchronously before every git.
 */
export async function updateMirror(
  repo: string,
  mirror: string,
  opts: { isNew: boolean; fsckDue: boolean },
  s: UpdateSettings,
): Promise<RepoOutcome> {
  const started = s.nowMs();
  const stampSeconds = (): number => Math.floor(s.nowMs() / 1000);
  const outcome: RepoOutcome = { repo, status: "failed", refsUpdated: 0, refsSaved: 0, ms: 0, attempts: 0, notes: [] };
  let lock: MirrorLock | undefined;
  try {
    checkMirrorDirectory(mirror);
    lock = await lockMirror(mirror);
    const env = gitEnvironment(s.env, mirror);
    const staleAge = s.policy.timeoutMs + 60_000;
    const removed = removeStaleGitFiles(mirror, lock.inheritedUncleanExit, staleAge, s.nowMs());
    if (removed.length > 0) outcome.notes.push(`removed stale ${removed.join(", ")}`);
    const cfg = await checkMirror(mirror, s.env, env, s.git);
    outcome.notes.push(...cfg.repaired);

    const before = await snapshotRefs(mirror, s.env, cfg.filesRefStore, s.git);
    const journal = readJournal(mirror);
    if (journal) {
      const recovered = await preserve(mirror, env, journal, before, stampSeconds(), s.git, cfg.filesRefStore);
      outcome.refsSaved += recovered.saved;
      outcome.notes.push("finished an interrupted run");
      if (recovered.missing.length > 0) outcome.notes.push(missingNote(recovered.missing));
      if (recovered.hashed.length > 0) outcome.notes.push(hashedNote(recovered.hashed));
    }
    const credentials = s.credentials.filter((c) => cfg.url.startsWith(c.urlPrefix));
    // without a token for its host the fetch's environment is the local one: built once
    const fetchEnv = credentials.length > 0 ? gitEnvironment(s.env, mirror, credentials) : env;
    let fetchStarted = s.nowMs();
    // the rest of a mirror's run, after its fetch or in its place
    const finish = async (after: RefSnapshot, updated: number): Promise<RepoOutcome> => {
      const headNote = await followUpstreamHead(
        mirror,
        env,
        fetchEnv,
        after,
        cfg.filesRefStore,
        {
          timeoutMs: s.policy.timeoutMs,
          signal: s.signal,
          // a network git like the fetch: recorded in the lock, so a kill -9 leaves no unknown orphan
          onSpawn: (pgid) => lock?.recordGit(pgid),
          network: s.network,
        },
        s.git,
      );
      if (headNote !== undefined) outcome.notes.push(headNote);
      if (s.lfs) {
        const lfs = await inSlot(s.network, () =>
          fetchLfsObjects(
            mirror,
            fetchEnv,
            {
              // the mirror's budget, counted from its fetch (waiting for a slot is not spending it)
              timeoutMs: Math.max(1, fetchStarted + s.policy.timeoutMs - s.nowMs()),
              signal: s.signal,
              onSpawn: (pgid) => lock?.recordGit(pgid),
            },
            s.git,
            s.secrets,
          ),
        );
        if (lfs.problem !== undefined) outcome.warning = lfs.problem;
      }
      if (opts.fsckDue) {
        const problem = await inSlot(s.network, () => fsck(mirror, env, s.policy.timeoutMs * 6, s.signal, s.git));
        outcome.fsck = problem ? "failed" : "ok";
        if (problem) {
          outcome.error = problem;
          return outcome;
        }
      }
      outcome.status = opts.isNew ? "new" : updated > 0 ? "updated" : "unchanged";
      return outcome;
    };

    // The upstream advertises exactly what the mirror holds: a fetch would change nothing. The
    // token, where there is one, goes to git only, so those upstreams are not asked.
    const upstreams = s.upstreams;
    const asked = credentials.length === 0 ? upstreams?.askable(cfg.url) : undefined;
    // a question to the upstream, like a fetch: inside one of the --concurrency slots
    if (asked !== undefined && upstreams !== undefined && (await inSlot(s.network, () => upstreams.match(asked, before)))) {
      if (journal) await clearJournal(mirror);
      return await finish(before, 0);
    }
    writeJournal(mirror, before);
    const token = lock.token;
    const fetched = await inSlot(s.network, () => {
      fetchStarted = s.nowMs();
      return fetchWithRetries(mirror, fetchEnv, s.policy, {
        ...s.git,
        signal: s.signal,
        onSpawn: (pgid) => lock?.recordGit(pgid),
        lockToken: token,
        nowMs: s.nowMs,
      });
    });
    outcome.attempts = fetched.attempts;
    if (fetched.failure === "timeout" || fetched.failure === "aborted" || fetched.failure === "local") {
      // We killed that git ourselves: whatever lock or temp pack it left is stale by definition.
      removeStaleGitFiles(mirror, true, 0, s.nowMs());
    }
    // Even a failed fetch may have moved some refs (it updates all it can), so always compare.
    const after = await snapshotRefs(mirror, s.env, cfg.filesRefStore, s.git);
    const kept = await preserve(mirror, env, before, after, stampSeconds(), s.git, cfg.filesRefStore);
    await clearJournal(mirror);
    outcome.refsUpdated = kept.updated;
    outcome.refsSaved += kept.saved;
    if (kept.missing.length > 0) outcome.notes.push(missingNote(kept.missing));
    if (kept.hashed.length > 0) outcome.notes.push(hashedNote(kept.hashed));

    if (fetched.failure !== undefined) {
      outcome.error =
        fetched.failure === "timeout"
          ? `timed out after ${s.policy.timeoutMs} ms, git killed`
          : fetched.failure === "aborted"
            ? "stopped by shutdown, git killed"
            : fetched.failure === "local"
              ? `cannot record the running git in ${LOCK_FILE} (${fetched.run.setupError ?? "error"}), git stopped`
              : gitFailureLine(fetched.run.stderr, s.secrets);
      return outcome;
    }
    return await finish(after, kept.updated);
  } catch (err) {
    if (err instanceof MirrorCheckError || err instanceof LockBusyError) outcome.error = err.message;
    else outcome.error = firstErrorLine(err instanceof Error ? err.message : String(err), s.secrets);
    return outcome;
  } finally {
    await lock?.release();
    outcome.ms = s.nowMs() - started;
  }
}
