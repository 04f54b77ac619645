import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Environment, JobContext, JobResult } from "../job.js";
import { loadState, saveState } from "./backup-state.js";
import { createMirror, isUnfinishedMirror, removeUnfinishedMirrors } from "./create-mirror.js";
import { planMirrors, type KnownMirror, type MirrorAction } from "./discovery-plan.js";
import { gitEnvironment, type HttpCredential } from "./git-environment.js";
import type { GitScope } from "./git-process.js";
import { listGithubRepos, type Listing } from "./github-listing.js";
import { checkMirrorDirectory, gitWrite } from "./mirror-config.js";
import { readMirror } from "./mirror-reader.js";
import type { GitBackupOptions } from "./options.js";
import { gitBackupFamilies } from "./prom-metrics.js";
import { promFileProblem, writePrometheusTextfile } from "../prometheus-textfile.js";
import { redactText } from "../../log/redact.js";
import { reportOutcome, summarize } from "./run-summary.js";
import { updateMirror, type RepoOutcome, type UpdateSettings } from "./update-mirror.js";
import { instantToMs } from "../../time/instant.js";
import { firstErrorLine } from "./git-error-line.js";
import { boundedPool as pool } from "../bounded-pool.js";

async function readToken(o: GitBackupOptions, env: Environment): Promise<string | undefined> {
  if (o.tokenFile !== undefined) return (await readFile(o.tokenFile, "utf8")).trim() || undefined;
  return env.GITHUB_TOKEN?.trim() || undefined;
}

async function knownMirror(dir: string, dirName: string, env: Environment, scope: GitScope): Promise<KnownMirror> {
  try {
    const text = await readMirror(join(dir, dirName), env, ["config", "--local", "--get-regexp", "^(remote\\.origin\\.url|chime\\.githubid)$"], scope);
    const url = /^remote\.origin\.url (.*)$/m.exec(text)?.[1];
    const id = /^chime\.githubid (\d{1,15})$/m.exec(text)?.[1];
    return { dirName, url, githubId: id === undefined ? undefined : Number(id) };
  } catch {
    return { dirName, url: undefined, githubId: undefined };
  }
}

/**
 * The one origin the token is sent to on git fetches: the API's own git host, github.com for
 * api.github.com, and for GitHub Enterprise (`https://HOST/api/v3`) the API's origin itself —
 * same scheme, host and port. A `clone_url` the listing names elsewhere is fetched without it:
 * the listing is the API's word, and a compromised or hostile API must not be able to send the
 * token to a host of its choosing.
 */
export function tokenOrigin(api: string): string {
  const u = new URL(api);
  return `${u.hostname === "api.github.com" ? "https://github.com" : u.origin}/`;
}

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
      await writePrometheusTextfile(o.promFile, gitBackupFamilies([], repos, ctx.now().seconds, (nowMs() - started) / 1000, false, false)).catch((e: unknown) =>
        log.warn({ error: promFileProblem(o.promFile!, e) }, "cannot write --prom-file"),
      );
    }
    // The runner's summary line carries this; a line of our own would be a second summary.
    return { status: "critical", summary: `DIR ${o.dir} unusable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
  const state = await loadState(ctx.stateDir);
  let token: string | undefined;
  let tokenProblem: string | undefined;
  try {
    token = await readToken(o, env);
  } catch (err) {
    tokenProblem = `cannot read token file (${o.tokenSource}): ${(err as NodeJS.ErrnoException).code ?? "error"}`;
  }
  const secrets = token ? [token] : [];

  const mirrorNames: string[] = [];
  for (const e of entries) {
    if (e.name.endsWith(".git") && !e.name.startsWith(".")) mirrorNames.push(e.name);
    else if (!isUnfinishedMirror(e.name) && !state.reportedOthers.includes(e.name)) {
      state.reportedOthers.push(e.name);
      log.info({ entry: JSON.stringify(e.name) }, "not a mirror (*.git), left alone");
    }
  }
  state.reportedOthers = state.reportedOthers.filter((n) => entries.some((e) => e.name === n));

  let listing: Listing | undefined;
  let listingError = tokenProblem;
  let actions: MirrorAction[] = mirrorNames.sort().map((dirName) => ({ kind: "fetch", dirName }));
  if (o.scopes.length > 0 && !tokenProblem) {
    try {
      listing = await listGithubRepos(
        { api: o.api, token, cache: state.github, signal: ctx.signal, maxWaitMs: o.rateLimitWaitMs, nowMs },
        o.scopes,
      );
      for (const r of listing.rejected) log.warn({ entry: r.entry, reason: r.reason }, "GitHub listing entry rejected");
      const known = await pool(mirrorNames, 8, new AbortController().signal, (n) => knownMirror(o.dir, n, env, git), (n) => ({ dirName: n, url: undefined, githubId: undefined }));
      actions = planMirrors(known, listing.repos, listing.ids, o);
    } catch (err) {
      listingError = redactText((err as Error).message, secrets);
    }
  }
  if (listingError) log.warn({ error: listingError }, "GitHub listing failed; updating the mirrors already in DIR");

  const credentials: HttpCredential[] = token ? [{ urlPrefix: tokenOrigin(o.api), token }] : [];
  const settings: UpdateSettings = {
    env,
    policy: { timeoutMs: o.timeoutMs, retries: o.retries, retryDelayMs: o.retryDelayMs },
    credentials,
    secrets,
    signal: ctx.signal,
    nowMs,
    git,
  };
  const nowSec = ctx.now().seconds;
  const fsckDue = (dirName: string): boolean => {
    if (o.fsckEveryMs === undefined) return false;
    const last = state.repos[dirName]?.lastFsck;
    return last === undefined || (nowSec - last) * 1000 >= o.fsckEveryMs;
  };

  const runOne = async (a: MirrorAction): Promise<RepoOutcome> => {
    const repo = a.dirName;
    const path = join(o.dir, a.dirName);
    if (a.kind === "gone") return { repo, status: "gone upstream", refsUpdated: 0, refsSaved: 0, ms: 0, attempts: 0, notes: ["kept; not fetched"] };
    const notes: string[] = [];
    try {
      if (a.kind === "create") {
        await createMirror(o.dir, { dirName: a.dirName, name: a.repo.name, url: a.repo.cloneUrl, githubId: a.repo.id, defaultBranch: a.repo.defaultBranch }, env, git);
      } else if (a.newUrl !== undefined || a.adoptId !== undefined) {
        // a symlinked "mirror" must not lead these writes outside DIR
        await checkMirrorDirectory(path);
        const local = gitEnvironment(env, path);
        if (a.newUrl !== undefined) await gitWrite(path, local, ["config", "--local", "remote.origin.url", a.newUrl], git);
        if (a.adoptId !== undefined) await gitWrite(path, local, ["config", "--local", "chime.githubid", String(a.adoptId)], git);
        notes.push(a.note ?? "adopted by GitHub id");
      }
    } catch (err) {
      return { repo, status: "failed", refsUpdated: 0, refsSaved: 0, ms: 0, attempts: 0, notes, error: firstErrorLine((err as Error).message, secrets) };
    }
    const r = await updateMirror(repo, path, { isNew: a.kind === "create", fsckDue: fsckDue(repo) }, settings);
    r.notes.unshift(...notes);
    return r;
  };

  const outcomes = await pool(actions, o.concurrency, ctx.signal, async (a) => {
    const r = await runOne(a);
    reportOutcome(log, r);
    return r;
  }, (a) => {
    const r: RepoOutcome = { repo: a.dirName, status: "failed", refsUpdated: 0, refsSaved: 0, ms: 0, attempts: 0, notes: [], error: "not started: shutdown" };
    reportOutcome(log, r);
    return r;
  });

  const endSec = ctx.now().seconds;
  for (const r of outcomes) {
    state.repos[r.repo] ??= {};
    const entry = state.repos[r.repo]!;
    if (r.status !== "failed" && r.status !== "gone upstream") entry.lastSuccess = endSec;
    if (r.fsck === "ok") entry.lastFsck = endSec;
  }
  for (const name of Object.keys(state.repos)) if (!outcomes.some((r) => r.repo === name)) delete state.repos[name];
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
      return { status: result.status === "ok" ? "warning" : result.status, summary: `${result.summary}; ${problem}`, metrics: result.metrics };
    }
  }
  return { status: result.status, summary: result.summary, metrics: result.metrics };
}
