import { randomBytes } from "node:crypto";
import { lstat, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Environment } from "../job.js";
import { gitEnvironment } from "./git-environment.js";
import { runGit, type GitScope } from "./git-process.js";
import { gitWrite, HISTORY_SETTINGS, MIRROR_REFSPECS } from "./mirror-config.js";
import { keyConfig } from "./mirror-key.js";

/** Mirrors being set up are built under this prefix in DIR, then renamed into place. */
const NEW_PREFIX = ".chime-new-";

export interface NewMirror {
  /** the directory the plan chose: NAME.git, or NAME-ID.git when NAME.git belongs to another id */
  dirName: string;
  name: string;
  url: string;
  /** the forge repository it holds (mirror-key.ts) */
  key: string;
  defaultBranch: string | undefined;
}

/**
 * Sets up DIR/<dirName> (the path the plan chose and will fetch) for the first fetch: init and configure under a temporary name, then
 * rename, so a kill never leaves a half-configured mirror under the real name. The fetch itself
 * happens later, as for every mirror (a killed first fetch is then just a fetch to redo).
 * `name` and `url` were validated by the listing; both reach git only as argv words after a
 * fixed option, never through a shell.
 */
export async function createMirror(dir: string, m: NewMirror, baseEnv: Environment, scope: GitScope): Promise<string> {
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*\.git$/.test(m.dirName)) throw new Error(`bad mirror directory name ${JSON.stringify(m.dirName)}`);
  const final = join(dir, m.dirName);
  const tmp = join(dir, `${NEW_PREFIX}${m.name}-${randomBytes(4).toString("hex")}`);
  const env = gitEnvironment(baseEnv, undefined);
  const init = await runGit(["init", "--bare", "--quiet", tmp], { ...scope, cwd: dir, env, timeoutMs: 60_000 });
  if (init.code !== 0) throw new Error(`git init failed: ${init.stderr.trim().split("\n")[0] ?? ""}`);
  try {
    const local = gitEnvironment(baseEnv, tmp);
    await gitWrite(tmp, local, ["config", "--local", "remote.origin.url", m.url], scope);
    for (const spec of MIRROR_REFSPECS) await gitWrite(tmp, local, ["config", "--local", "--add", "remote.origin.fetch", spec], scope);
    for (const [key, value] of HISTORY_SETTINGS) await gitWrite(tmp, local, ["config", "--local", key, value], scope);
    await gitWrite(tmp, local, ["config", "--local", ...keyConfig(m.key)], scope);
    if (m.defaultBranch !== undefined) {
      await gitWrite(tmp, local, ["symbolic-ref", "HEAD", `refs/heads/${m.defaultBranch}`], scope).catch(() => {});
    }
    const exists = await lstat(final).then(
      () => true,
      () => false,
    );
    // Never onto anything already there: that is another repository's mirror (or someone's file).
    if (exists) throw new Error(`${m.dirName} appeared while it was being created`);
    await rename(tmp, final);
    return final;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

export function isUnfinishedMirror(name: string): boolean {
  return name.startsWith(NEW_PREFIX);
}

/**
 * Leftovers of a run killed while setting up a mirror: configuration only, never fetched data.
 * Only old ones go: a young one may belong to another chime working on the same DIR right now.
 */
export async function removeUnfinishedMirrors(dir: string, nowMs: number): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (!e.isDirectory() || !isUnfinishedMirror(e.name)) continue;
    const st = await lstat(join(dir, e.name)).catch(() => undefined);
    if (st && nowMs - st.mtimeMs > 10 * 60_000) await rm(join(dir, e.name), { recursive: true, force: true });
  }
}
