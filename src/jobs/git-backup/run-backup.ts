import { readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Environment, JobContext, JobResult } from "../job.js";
import { loadState, saveState } from "./backup-state.js";
import { createMirror, isUnfinishedMirror, removeUnfinishedMirrors } from "./create-mirror.js";
import { planMirrors, type KnownMirror, type MirrorAction } from "./discovery-plan.js";
import { existsUpstream } from "./upstream-probe.js";
import { lfsInstalled } from "./lfs-fetch.js";
import { gitEnvironment } from "./git-environment.js";
import type { GitScope } from "./git-process.js";
import { discoverForges } from "./forge-discovery.js";
import { keyConfig, keyFromConfig } from "./mirror-key.js";
import { checkMirrorDirectory, gitWrite } from "./mirror-config.js";
import { readMirrorConfig } from "./mirror-reader.js";
import type { GitBackupOptions } from "./options.js";
import { gitBackupFamilies } from "./prom-metrics.js";
import { promFileProblem, writePrometheusTextfile } from "../prometheus-textfile.js";
import { firstErrorLine } from "./git-error-line.js";
import { reportOutcome, summarize } from "./run-summary.js";
import { updateMirror, type RepoOutcome, type UpdateSettings } from "./update-mirror.js";
import { UnchangedUpstreams } from "./unchanged-upstream.js";
import { instantToMs } from "../../time/instant.js";
import { boundedPool as pool, slots } from "../bounded-pool.js";

async function knownMirror(dir: string, dirName: string, env: Environment, scope: GitScope): Promise<KnownMirror> {
  try {
    const text = await readMirrorConfig(
      join(dir, dirName),
      env,
      "^(remote\\.origin\\.url|chime\\.(githubid|forgekey|goneupstream))$",
      scope,
    );
    const url = /^remote\.origin\.url (.*)$/m.exec(text)?.[1];
    const gone = /^chime\.goneupstream (\d{1,15})$/m.exec(text)?.[1];
    return { dirName, url, key: keyFromConfig(text), goneSince: gone === undefined ? undefined : Number(gone) };
  } catch {
    return { dirName, url: undefined, key: undefined };
  }
}

export { tokenOrigin } from "./forge-discovery.js";

const WIKI_PROBE_INTERVAL_S = 24 * 3600;

/** One run of git-backup over DIR: discovery, then every mirror with bounded concurrency. */
export async function runBackup(o: GitBackupOptions, env: Environment, ctx: JobContext): Promise<JobResult> {
  // Every deadline, age and duration of a run comes from the job's injected clock.
  const nowMs = (): number => instantToMs(ctx.now());
  const started = nowMs();
  const log = ctx.log;
  // What every git of this run borrows: --grace, the run record, the log.
  const git: GitScope = {
    log,
    ...(ctx.graceMs !== undefined ? { graceMs: ctx.graceMs } : {}),
    ...(ctx.processes !== undefined ? { processes: ctx.processes } : {}),
  };
  let entries;
  try {
    if (!(await stat(o.dir)).isDirectory()) throw new Error("not a directory");
    await removeUnfinishedMirrors(o.dir, nowMs());
    entries = await readdir(o.dir, { withFileTypes: true });
  } catch (err) {
    // An unmounted backup disk must show in the metrics too, not leave the last good file.
    if (o.promFile !== undefined) {
      const repos = (await loadState(ctx.stateDir)).repos;
      await writePrometheusTextfile(
        o.promFile,
        gitBackupFamilies([], repos, ctx.now().seconds, (nowMs() - started) / 1000, false, false),
      ).catch((e: unknown) => log.warn({ error: promFileProblem(o.promFile!, e) }, "cannot write --prom-file"));
    }
    // The runner's summary line carries this; a line of our own would be a second summary.
    return { status: "critical", summary: `DIR ${o.dir} unusable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
  const state = await loadState(ctx.stateDir);

  const mirrorNames: string[] = [];
  for (const e of entries) {
    if (e.name.endsWith(".git") && !e.name.startsWith(".")) mirrorNames.push(e.name);
    else if (!isUnfinishedMirror(e.name) && !state.reportedOthers.includes(e.name)) {
      state.reportedOthers.push(e.name);
      log.info({ entry: JSON.stringify(e.name) }, "not a mirror (*.git), left alone");
    }
  }
  state.reportedOthers = state.reportedOthers.filter((n) => entries.some((e) => e.name === n));

  const found = await discoverForges(o, env, state, { signal: ctx.signal, nowMs });
  const secrets = found.secrets;
  let actions: MirrorAction[] = mirrorNames.sort().map((dirName) => ({ kind: "fetch", dirName }));
  if (found.configured) {
    for (const r of found.rejected) log.warn({ entry: r.entry, reason: r.reason }, `${r.forge} listing entry rejected`);
    const known = await pool(
      mirrorNames,
      8,
      new AbortController().signal,
      (n) => knownMirror(o.dir, n, env, git),
      (n): KnownMirror => ({ dirName: n, url: undefined, key: undefined }),
    );
    actions = planMirrors(known, found.planned, found.listedKeys, found.covered, o);
  }
  const listingError = found.errors.length > 0 ? found.errors.join("; ") : undefined;
  if (listingError) log.warn({ error: listingError }, "listing failed; updating the mirrors already in DIR");
  const lfs = o.lfs && (await lfsInstalled(o.dir, env, git));
  if (o.lfs && !lfs) log.warn({}, "--lfs: git-lfs is not installed (apt-get install git-lfs); LFS objects are not fetched this run");

  const settings: UpdateSettings = {
    env,
    policy: { timeoutMs: o.timeoutMs, retries: o.retries, retryDelayMs: o.retryDelayMs },
    credentials: found.credentials,
    secrets,
    signal: ctx.signal,
    nowMs,
    git,
    lfs,
    network: slots(o.concurrency),
    ...(o.fetchAlways ? {} : { upstreams: new UnchangedUpstreams(env, ctx.signal, o.timeoutMs) }),
  };
  const nowSec = ctx.now().seconds;
  const fsckDue = (dirName: string): boolean => {
    if (o.fsckEveryMs === undefined) return false;
    const last = state.repos[dirName]?.lastFsck;
    return last === undefined || (nowSec - last) * 1000 >= o.fsckEveryMs;
  };

  const runOne = async (a: MirrorAction): Promise<RepoOutcome | undefined> => {
    const repo = a.dirName;
    const path = join(o.dir, a.dirName);
    if (a.kind === "gone") return markGone(path, a.since);
    const notes: string[] = [];
    try {
      if (a.kind === "create") {
        const p = a.planned;
        if (p.probe) {
          // Forges report a wiki for nearly every repository (GitHub's has_wiki defaults to on);
          // one that had no page is asked again only after a day, not on every run.
          const last = state.wikiProbes[p.key];
          if (last !== undefined && nowSec - last >= 0 && nowSec - last < WIKI_PROBE_INTERVAL_S) return undefined;
          if (!(await existsUpstream(o.dir, p.repo.cloneUrl, settings))) {
            state.wikiProbes[p.key] = nowSec;
            return undefined;
          }
          delete state.wikiProbes[p.key];
        }
        await createMirror(
          o.dir,
          { dirName: a.dirName, name: p.repo.name, url: p.repo.cloneUrl, key: p.key, defaultBranch: p.repo.defaultBranch },
          env,
          git,
        );
      } else if (a.newUrl !== undefined || a.adoptKey !== undefined || a.backUpstream) {
        // a symlinked "mirror" must not lead these writes outside DIR
        checkMirrorDirectory(path);
        const local = gitEnvironment(env, path);
        if (a.newUrl !== undefined) await gitWrite(path, local, ["config", "--local", "remote.origin.url", a.newUrl], git);
        if (a.adoptKey !== undefined) await gitWrite(path, local, ["config", "--local", ...keyConfig(a.adoptKey)], git);
        if (a.backUpstream) await gitWrite(path, local, ["config", "--local", "--unset-all", "chime.goneupstream"], git);
        if (a.newUrl !== undefined || a.adoptKey !== undefined)
          notes.push(a.note ?? `adopted by ${a.adoptKey?.startsWith("github ") ? "GitHub" : "forge"} id`);
        if (a.backUpstream) notes.push("listed upstream again");
      }
    } catch (err) {
      return {
        repo,
        status: "failed",
        refsUpdated: 0,
        refsSaved: 0,
        ms: 0,
        attempts: 0,
        notes,
        error: firstErrorLine((err as Error).message, secrets),
      };
    }
    const r = await updateMirror(repo, path, { isNew: a.kind === "create", fsckDue: fsckDue(repo) }, settings);
    r.notes.unshift(...notes);
    return r;
  };

  const markGone = async (path: string, since: number | undefined): Promise<RepoOutcome> => {
    const r: RepoOutcome = {
      repo: basename(path),
      status: "gone upstream",
      refsUpdated: 0,
      refsSaved: 0,
      ms: 0,
      attempts: 0,
      notes: ["kept; not fetched"],
    };
    if (since !== undefined) return r;
    // Remembered in the mirror itself, so `git-backup history` shows it from DIR alone.
    try {
      checkMirrorDirectory(path);
      await gitWrite(path, gitEnvironment(env, path), ["config", "--local", "chime.goneupstream", String(ctx.now().seconds)], git);
    } catch (err) {
      r.notes.push(`cannot mark it: ${firstErrorLine((err as Error).message, secrets)}`);
    }
    return r;
  };

  // Twice as many mirrors as network slots: while --concurrency fetches run, the next mirrors
  // lock, snapshot and journal, so a freed slot starts the next fetch at once. On a busy host
  // that local work, in line behind each fetch, is what made a run slower than xargs -P.
  const ran = await pool(
    actions,
    o.concurrency * 2,
    ctx.signal,
    async (a) => {
      const r = await runOne(a);
      if (r) reportOutcome(log, r);
      return r;
    },
    (a) => {
      const r: RepoOutcome = {
        repo: a.dirName,
        status: "failed",
        refsUpdated: 0,
        refsSaved: 0,
        ms: 0,
        attempts: 0,
        notes: [],
        error: "not started: shutdown",
      };
      reportOutcome(log, r);
      return r;
    },
  );
  const outcomes = ran.filter((r): r is RepoOutcome => r !== undefined);

  const endSec = ctx.now().seconds;
  for (const r of outcomes) {
    state.repos[r.repo] ??= {};
    const entry = state.repos[r.repo]!;
    if (r.status !== "failed" && r.status !== "gone upstream") entry.lastSuccess = endSec;
    if (r.fsck === "ok") entry.lastFsck = endSec;
  }
  for (const name of Object.keys(state.repos)) if (!outcomes.some((r) => r.repo === name)) delete state.repos[name];
  if (found.configured && found.errors.length === 0)
    for (const key of Object.keys(state.wikiProbes)) if (!found.listedKeys.has(key)) delete state.wikiProbes[key];
  const ms = nowMs() - started;
  // No summary line here: whoever runs the job (`chime git-backup`, the daemon) logs exactly one,
  // with result.summary and result.metrics as its fields.
  const result = summarize(outcomes, ms, listingError);
  try {
    await saveState(ctx.stateDir, state);
  } catch (err) {
    log.warn({ error: (err as Error).message }, "cannot save git-backup state");
  }
  if (o.promFile !== undefined) {
    try {
      await writePrometheusTextfile(o.promFile, gitBackupFamilies(outcomes, state.repos, endSec, ms / 1000, listingError !== undefined));
    } catch (err) {
      // Monitoring that reads the file would go on seeing the last run's numbers: not "ok".
      const problem = promFileProblem(o.promFile, err);
      return {
        status: result.status === "ok" ? "warning" : result.status,
        summary: `${result.summary}; ${problem}`,
        metrics: result.metrics,
      };
    }
  }
  return { status: result.status, summary: result.summary, metrics: result.metrics };
}
