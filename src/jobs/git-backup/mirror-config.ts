import { lstatSync } from "node:fs";
import type { Environment } from "../job.js";
import { runGit, type GitScope } from "./git-process.js";
import { MirrorReadError, readMirrorConfig } from "./mirror-reader.js";
import { redactText } from "../../log/redact.js";
import { firstErrorLine, gitFailureLine } from "./git-error-line.js";

/** heads and tags only: `refs/*` would let `--prune` delete refs/backup (reference §2, S6). */
export const MIRROR_REFSPECS = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"] as const;

/**
 * Settings that keep every commit a mirror ever had: reflogs for every ref, never expired, and
 * unreachable objects never pruned by a gc someone runs by hand. A plain `git fetch` run by
 * hand (or by the old shell loop, still in a crontab) must not prune either, whatever the
 * user's `fetch.prune` says: it would delete a branch and its reflog with nothing saved.
 * chime's own fetch passes --prune explicitly and saves what it prunes.
 */
export const HISTORY_SETTINGS: readonly (readonly [string, string])[] = [
  ["core.logallrefupdates", "always"],
  ["gc.reflogexpire", "never"],
  ["gc.reflogexpireunreachable", "never"],
  ["gc.pruneexpire", "never"],
  ["remote.origin.prune", "false"],
];

export interface MirrorConfig {
  url: string;
  githubId: number | undefined;
  /** refs live in loose files and packed-refs (not reftable): chime may read them directly */
  filesRefStore: boolean;
  /** what was repaired, said in the log line */
  repaired: string[];
}

export class MirrorCheckError extends Error {
  override readonly name = "MirrorCheckError";
}

export async function gitWrite(mirror: string, env: NodeJS.ProcessEnv, args: readonly string[], scope: GitScope): Promise<void> {
  const r = await runGit(args, { ...scope, cwd: mirror, env, timeoutMs: 60_000 });
  if (r.code !== 0) throw new MirrorCheckError(`git ${args[0]} failed: ${gitFailureLine(r.stderr)}`);
}

/**
 * Before anything is written there (even our lock): a real directory, not a symlink that could
 * lead outside DIR, owned by us (git refuses "dubious ownership" anyway, less clearly).
 */
export function checkMirrorDirectory(mirror: string): void {
  const st = lstatSync(mirror);
  if (st.isSymbolicLink() || !st.isDirectory()) throw new MirrorCheckError("not a directory (symlinks are not followed)");
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw new MirrorCheckError(`owned by uid ${st.uid}, not by us (uid ${uid})`);
}

function hasCredentials(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/@]*@/i.test(url) && !/^ssh:\/\/[^/:@]+@/i.test(url);
}

function withoutCredentials(url: string): string {
  return hasCredentials(url) ? url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1") : url;
}

/**
 * Checks that `mirror` is a bare repository of ours at exactly that path with a remote, and
 * repairs what we can: the refspec (a `clone --bare` has none, so `fetch` updated nothing), the
 * history settings, and credentials left in the remote URL.
 */
export async function checkMirror(mirror: string, jobEnv: Environment, env: NodeJS.ProcessEnv, scope: GitScope): Promise<MirrorConfig> {
  // One git for both questions: with GIT_DIR pinned, `config --local` fails outright in a
  // directory that is not a repository, and core.bare answers "bare?".
  let text: string;
  try {
    text = await readMirrorConfig(
      mirror,
      jobEnv,
      "^(core\\.bare|remote\\.origin\\.(url|fetch|prune)|core\\.logallrefupdates|gc\\..*|chime\\.githubid|extensions\\.refstorage)$",
      scope,
    );
  } catch (err) {
    if (!(err instanceof MirrorReadError)) throw err;
    // git itself could not be started (not on PATH, not executable): say that, not "not a repository"
    if (err.cannotRun) throw new MirrorCheckError(err.message);
    throw new MirrorCheckError(`not a git repository: ${firstErrorLine(err.message)}`);
  }
  const values = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const sp = line.indexOf(" ");
    if (sp <= 0) continue;
    const key = line.slice(0, sp);
    values.set(key, [...(values.get(key) ?? []), line.slice(sp + 1)]);
  }
  if (values.get("core.bare")?.at(-1) !== "true") throw new MirrorCheckError("not a bare repository");
  // git fetches from the first URL of a remote that has several; each of them may hold a secret.
  const urls = values.get("remote.origin.url") ?? [];
  let url = urls[0];
  if (url === undefined || url === "") throw new MirrorCheckError("no remote 'origin' URL");
  const repaired: string[] = [];
  if (urls.some(hasCredentials)) {
    for (const old of new Set(urls.filter(hasCredentials))) {
      // one replacement per value, by an anchored pattern: a kill never leaves the remote without a URL
      const pattern = `^${old.replace(/[.[\](){}*+?|^$\\]/g, "\\$&")}$`;
      await gitWrite(mirror, env, ["config", "--local", "--replace-all", "remote.origin.url", withoutCredentials(old), pattern], scope);
    }
    url = withoutCredentials(url);
    repaired.push("removed credentials from remote URL");
  }
  const fetch = values.get("remote.origin.fetch") ?? [];
  if (fetch.length !== MIRROR_REFSPECS.length || fetch.some((f, i) => f !== MIRROR_REFSPECS[i])) {
    if (fetch.length > 0) await gitWrite(mirror, env, ["config", "--local", "--unset-all", "remote.origin.fetch"], scope);
    for (const spec of MIRROR_REFSPECS) await gitWrite(mirror, env, ["config", "--local", "--add", "remote.origin.fetch", spec], scope);
    repaired.push(fetch.length === 0 ? "added missing fetch refspec" : `replaced fetch refspec ${redactText(fetch.join(" "))}`);
  }
  for (const [key, want] of HISTORY_SETTINGS) {
    if (values.get(key)?.at(-1) === want) continue;
    await gitWrite(mirror, env, ["config", "--local", key, want], scope);
    repaired.push(`set ${key}=${want}`);
  }
  const idText = values.get("chime.githubid")?.at(-1);
  const githubId = idText !== undefined && /^\d{1,15}$/.test(idText) ? Number(idText) : undefined;
  const store = values.get("extensions.refstorage")?.at(-1);
  return { url, githubId, repaired, filesRefStore: store === undefined || store === "files" };
}
