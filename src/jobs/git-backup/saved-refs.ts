import type { Environment } from "../job.js";
import { gitEnvironment } from "./git-environment.js";
import { runGit, type GitRun } from "./git-process.js";
import { BACKUP_NAMESPACE } from "./ref-history.js";
import { HASHED_DIR } from "./save-old-refs.js";
import { gitFailureLine } from "./git-error-line.js";

/** One old value kept under refs/backup/<stamp>/… by save-old-refs.ts. */
export interface SavedRef {
  /** the ref holding it, e.g. refs/backup/20261125T134507Z/heads/main */
  backupRef: string;
  /** 20261125T134507Z or 20261125T134507Z-2 */
  stamp: string;
  /** the stamp as an ISO time (the suffix of a second save in the same second is dropped) */
  time: string;
  /** the ref it was, e.g. refs/heads/main (for a hashed save: the name its tag object records) */
  ref: string;
  /** the object the ref pointed at (an annotated tag's own object for tags) */
  oid: string;
  /** that object peeled to a commit (equal to oid for a branch tip), or "" when it is no commit */
  commit: string;
}

const STAMP = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z(?:-(\d+))?$/;
const GIT_LIMIT_MS = 120_000;

export class GitFailure extends Error {}

/** The environment of every git these tools run in a mirror: pinned to it, no prompts. */
export function mirrorEnv(mirror: string, env: Environment): NodeJS.ProcessEnv {
  return gitEnvironment(env, mirror);
}

/** Runs git in `mirror` with `opts.env` (mirrorEnv's, or a restore's own) and throws GitFailure with git's own error line unless `ok(code)`. */
export async function gitIn(
  mirror: string,
  args: readonly string[],
  what: string,
  opts: { env: NodeJS.ProcessEnv; input?: string; ok?: (code: number | null) => boolean },
): Promise<GitRun> {
  const r = await runGit(args, {
    cwd: mirror,
    env: opts.env,
    timeoutMs: GIT_LIMIT_MS,
    ...(opts.input === undefined ? {} : { input: opts.input }),
  });
  if (!(opts.ok ?? ((c) => c === 0))(r.code)) throw new GitFailure(`${what} in ${mirror} failed: ${gitFailureLine(r.stderr)}`);
  return r;
}

/** The stamp's time, "2026-11-25T13:45:07Z"; undefined for a name that is no stamp of ours. */
export function stampTime(stamp: string): string | undefined {
  const m = STAMP.exec(stamp);
  if (!m) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`;
}

/** Orders stamps oldest first: by time, then by the -N suffix of later saves in that second. */
export function compareStamps(a: string, b: string): number {
  const ma = STAMP.exec(a);
  const mb = STAMP.exec(b);
  const key = (m: RegExpExecArray | null, s: string) => (m ? `${s.slice(0, 16)}${String(Number(m[7] ?? 1)).padStart(6, "0")}` : s);
  return key(ma, a) < key(mb, b) ? -1 : key(ma, a) > key(mb, b) ? 1 : 0;
}

/**
 * Every saved old value in a mirror, read with one for-each-ref. A hashed save points at a tag
 * object whose message is the original name (`%(contents:subject)`), and `%(*objectname)` is
 * what that tag points at. Refs under refs/backup that are not of our shape are skipped.
 */
export async function listSavedRefs(mirror: string, env: Environment): Promise<SavedRef[]> {
  const gitEnv = mirrorEnv(mirror, env);
  const fmt = "%(refname)%00%(objectname)%00%(objecttype)%00%(*objectname)%00%(*objecttype)%00%(contents:subject)";
  const r = await gitIn(mirror, ["for-each-ref", `--format=${fmt}`, `${BACKUP_NAMESPACE}/`], "listing refs/backup", { env: gitEnv });
  const saved: SavedRef[] = [];
  for (const line of r.stdout.split("\n")) {
    if (line === "") continue;
    const [backupRef = "", oid = "", type = "", peeled = "", peeledType = "", subject = ""] = line.split("\0");
    const rest = backupRef.slice(BACKUP_NAMESPACE.length + 1);
    const slash = rest.indexOf("/");
    const stamp = rest.slice(0, slash);
    const time = stampTime(stamp);
    if (slash < 0 || time === undefined) continue;
    const kind = rest.slice(slash + 1);
    let ref: string;
    let target = oid;
    let targetType = type;
    if (kind.startsWith(`${HASHED_DIR}/`)) {
      // the name record: a tag object of ours; what the ref was is what it points at
      if (type !== "tag" || !subject.startsWith("refs/")) continue;
      ref = subject;
      target = peeled;
      targetType = peeledType;
    } else if (kind.startsWith("heads/") || kind.startsWith("tags/")) {
      ref = `refs/${kind}`;
    } else continue;
    saved.push({ backupRef, stamp, time, ref, oid: target, commit: "" });
    // an annotated tag: the commit is the peeled value; a hashed annotated tag is peeled below
    const last = saved.at(-1)!;
    if (targetType === "commit") last.commit = target;
    else if (targetType === "tag" && !kind.startsWith(`${HASHED_DIR}/`) && peeledType === "commit") last.commit = peeled;
  }
  await peelRemaining(mirror, saved, gitEnv);
  return saved;
}

/** Commits for the saves for-each-ref could not peel in one step (a hashed annotated tag). */
async function peelRemaining(mirror: string, saved: SavedRef[], gitEnv: NodeJS.ProcessEnv): Promise<void> {
  const todo = saved.filter((s) => s.commit === "");
  if (todo.length === 0) return;
  const r = await gitIn(mirror, ["cat-file", "--batch-check=%(objectname) %(objecttype)"], "peeling saved refs", {
    env: gitEnv,
    input: todo.map((s) => `${s.oid}^{commit}\n`).join(""),
  });
  const lines = r.stdout.split("\n");
  todo.forEach((s, i) => {
    const m = /^([0-9a-f]{40,64}) commit$/.exec(lines[i] ?? "");
    if (m) s.commit = m[1]!;
  });
}

/** refname → object id of the mirror's current branches and tags. */
export async function currentRefs(mirror: string, env: Environment): Promise<Map<string, string>> {
  const r = await gitIn(mirror, ["for-each-ref", "--format=%(objectname) %(refname)", "refs/heads/", "refs/tags/"], "listing refs", {
    env: mirrorEnv(mirror, env),
  });
  const refs = new Map<string, string>();
  for (const line of r.stdout.split("\n")) {
    const sp = line.indexOf(" ");
    if (sp > 0) refs.set(line.slice(sp + 1), line.slice(0, sp));
  }
  return refs;
}
