import { mkdir, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { redactText } from "../../log/redact.js";
import type { Environment } from "../job.js";
import { BadInput, mirrorName } from "./backup-history.js";
import { gitEnvironment } from "./git-environment.js";
import { compareStamps, GitFailure, gitIn, listSavedRefs, mirrorEnv, stampTime, type SavedRef } from "./saved-refs.js";
import { gitFailureLine } from "./git-error-line.js";

export interface RestoreRequest {
  dir: string;
  repo: string;
  /** main, heads/main, refs/heads/main, v1, tags/v1, refs/tags/v1 */
  ref: string;
  /** a stamp of refs/backup/<stamp>/; absent: the newest save of ref */
  at?: string;
  /** the branch to create; absent: the ref's own short name */
  branch?: string;
  /** exactly one of `to` and `push` */
  to?: string;
  bare?: boolean;
  push?: string;
}

export interface RestoreResult {
  saved: SavedRef;
  branch: string;
  /** PATH or URL */
  target: string;
}

/** `git check-ref-format`: git's own rules, not a copy of them. */
async function checkRefFormat(env: Environment, cwd: string, ref: string, what: string, shown = ref): Promise<void> {
  // check-ref-format reads leading "-" words as its options, and has no "--"
  if (ref.startsWith("-") || ref.includes("\0")) throw new BadInput(`bad ${what}: ${JSON.stringify(shown)}`);
  const r = await gitIn(cwd, ["check-ref-format", "--allow-onelevel", ref], "check-ref-format", {
    env: gitEnvironment(env, undefined),
    ok: (c) => c === 0 || c === 1,
  });
  if (r.code !== 0) throw new BadInput(`bad ${what}: ${JSON.stringify(shown)}`);
}

/** The full ref names a user's REF may stand for. */
function candidates(ref: string): string[] {
  if (ref.startsWith("refs/")) return [ref];
  if (ref.startsWith("heads/") || ref.startsWith("tags/")) return [`refs/${ref}`];
  return [`refs/heads/${ref}`, `refs/tags/${ref}`];
}

/** The saved version asked for: --at's, else the newest; a name both a branch and a tag had must be qualified. */
export async function pickSaved(mirror: string, req: Pick<RestoreRequest, "repo" | "ref" | "at">, env: Environment): Promise<SavedRef> {
  await checkRefFormat(env, mirror, req.ref, "REF");
  if (req.at !== undefined && stampTime(req.at) === undefined)
    throw new BadInput(`bad --at (a stamp like 20261125T134507Z): ${JSON.stringify(req.at)}`);
  const names = candidates(req.ref);
  const all = (await listSavedRefs(mirror, env)).filter((s) => names.includes(s.ref));
  const kinds = [...new Set(all.map((s) => s.ref))];
  if (kinds.length > 1)
    throw new BadInput(
      `REF ${JSON.stringify(req.ref)} is ambiguous in ${req.repo}: saved as ${kinds.join(" and ")}; say heads/${req.ref} or tags/${req.ref}`,
    );
  if (all.length === 0) throw new BadInput(`no saved version of ${JSON.stringify(req.ref)} in ${req.repo} (see chime git-backup history)`);
  const at = req.at === undefined ? all : all.filter((s) => s.stamp === req.at);
  if (at.length === 0)
    throw new BadInput(
      `no version of ${JSON.stringify(req.ref)} saved at ${req.at} in ${req.repo}; saved at: ${all.map((s) => s.stamp).join(", ")}`,
    );
  return at.sort((a, b) => compareStamps(b.stamp, a.stamp))[0]!;
}

const shortName = (ref: string) => ref.replace(/^refs\/(heads|tags)\//, "");

/** `env`: chime's environment, which every git run here inherits (gitEnvironment pins the rest). */
export async function restoreSaved(req: RestoreRequest, env: Environment): Promise<RestoreResult> {
  const mirror = resolve(req.dir, mirrorName(req.repo));
  const st = await stat(mirror).catch(() => undefined);
  if (!st?.isDirectory()) throw new BadInput(`no mirror ${mirrorName(req.repo)} in ${req.dir} (REPO ${JSON.stringify(req.repo)})`);
  const saved = await pickSaved(mirror, req, env);
  if (saved.commit === "") throw new BadInput(`${saved.backupRef} in ${req.repo} is no commit: nothing to put on a branch`);
  const branch = req.branch ?? shortName(saved.ref);
  await checkRefFormat(env, mirror, `refs/heads/${branch}`, "branch name", branch);
  if (req.push !== undefined) {
    await pushSaved(mirror, saved, branch, req.push, env);
    return { saved, branch, target: req.push };
  }
  const to = resolve(req.to!);
  await cloneSaved(mirror, saved, branch, to, req.bare ?? false, env);
  return { saved, branch, target: to };
}

/**
 * A new repository at `to`, created by an exclusive mkdir (an existing PATH, even an empty
 * directory, is never written into), holding the saved tip on `branch`. Only the saved ref is
 * fetched, so the clone holds that history and nothing else of the mirror. A failure removes
 * what this call created, and only that.
 */
async function cloneSaved(
  mirror: string,
  saved: SavedRef,
  branch: string,
  to: string,
  bare: boolean,
  chimeEnv: Environment,
): Promise<void> {
  try {
    await mkdir(to);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw new BadInput(`--to ${to} exists: not overwritten`);
    if (code === "ENOENT" || code === "ENOTDIR") throw new BadInput(`--to ${to}: its parent directory does not exist`);
    throw e;
  }
  try {
    await gitIn(to, ["init", "--quiet", ...(bare ? ["--bare"] : [])], "git init", { env: gitEnvironment(chimeEnv, undefined) });
    const gitDir = bare ? to : join(to, ".git");
    const env = { ...gitEnvironment(chimeEnv, gitDir), ...(bare ? {} : { GIT_WORK_TREE: to }) };
    const tmp = "refs/chime-restore/tip";
    // the mirror path is absolute, so git never reads it as host:path; it comes after "--"
    await gitIn(
      to,
      ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--", mirror, `+${saved.backupRef}:${tmp}`],
      "fetching the saved tip",
      { env },
    );
    await gitIn(to, ["update-ref", "--no-deref", `refs/heads/${branch}`, saved.commit], "creating the branch", { env });
    await gitIn(to, ["symbolic-ref", "HEAD", `refs/heads/${branch}`], "pointing HEAD at the branch", { env });
    await gitIn(to, ["update-ref", "-d", tmp], "removing the fetch's ref", { env });
    if (!bare) await gitIn(to, ["reset", "--quiet", "--hard"], "checking out the branch", { env });
  } catch (e) {
    await rm(to, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Pushes the saved tip upstream as a new branch. Never forced: `--force-with-lease=REF:` with an
 * empty value means "only if REF does not exist", which receive-pack checks again under its lock,
 * so a branch created in between is not overwritten either.
 */
async function pushSaved(mirror: string, saved: SavedRef, branch: string, url: string, chimeEnv: Environment): Promise<void> {
  const env = mirrorEnv(mirror, chimeEnv);
  const target = `refs/heads/${branch}`;
  // the URL may carry the user's own credentials: never echo them
  const shown = redactText(url);
  const ls = await gitIn(mirror, ["ls-remote", "--heads", "--", url, target], "ls-remote", { env });
  if (ls.stdout.split("\n").some((l) => l.endsWith(`\t${target}`)))
    throw new BadInput(`branch ${branch} exists at ${shown}: not overwritten (choose another with --branch)`);
  const r = await gitIn(
    mirror,
    ["push", "--quiet", "--porcelain", `--force-with-lease=${target}:`, "--", url, `${saved.commit}:${target}`],
    "push",
    { env, ok: () => true },
  );
  if (r.code === 0) return;
  if (/stale info|already exists|fetch first/.test(r.stdout + r.stderr))
    throw new BadInput(`branch ${branch} exists at ${shown}: not overwritten (choose another with --branch)`);
  throw new GitFailure(`push to ${shown} failed: ${gitFailureLine(r.stderr)}`);
}
