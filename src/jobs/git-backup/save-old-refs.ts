import { createHash } from "node:crypto";
import { runGit, type GitScope } from "./git-process.js";
import { BACKUP_NAMESPACE, backupStamp, backupTransaction } from "./ref-history.js";
import { firstErrorLine, gitErrorLine, gitFailureLine } from "./git-error-line.js";

export interface OldRef {
  ref: string;
  oid: string;
}

export interface SaveResult {
  saved: number;
  /** "REF OID12" of old values whose object the mirror no longer has: cannot be kept */
  missing: string[];
  /** refs saved under a hashed name because their own name could not be stored */
  hashed: string[];
}

/** The directory under refs/backup/<stamp>/ that holds refs saved under a hashed name. */
export const HASHED_DIR = "hashed";

const GIT_LIMIT_MS = 60_000;

/** oid → object type, for the old values this mirror still has. */
async function objectTypes(mirror: string, env: NodeJS.ProcessEnv, refs: readonly OldRef[], scope: GitScope): Promise<Map<string, string>> {
  const r = await runGit(["cat-file", "--batch-check=%(objectname) %(objecttype)"], {
    ...scope,
    cwd: mirror,
    env,
    input: refs.map((x) => `${x.oid}\n`).join(""),
    timeoutMs: GIT_LIMIT_MS,
  });
  const types = new Map<string, string>();
  for (const line of r.stdout.split("\n")) {
    const m = /^([0-9a-f]{40,64}) (commit|tag|tree|blob)$/.exec(line);
    if (m) types.set(m[1]!, m[2]!);
  }
  return types;
}

/**
 * A tag object pointing at the old value whose message is the ref's original name: the ref
 * `refs/backup/<stamp>/hashed/<sha256 of the name>` that points at it keeps the commits
 * reachable and carries the name inside git itself (a clone of the mirror has it too), with no
 * second file to keep in step. `git cat-file tag REF` shows the name; `REF^{}` is the old tip.
 */
async function nameRecord(
  mirror: string,
  env: NodeJS.ProcessEnv,
  x: OldRef,
  type: string,
  stampSeconds: number,
  scope: GitScope,
): Promise<string> {
  const text = `object ${x.oid}\ntype ${type}\ntag chime-saved-ref\ntagger chime git-backup <git-backup@chime.invalid> ${stampSeconds} +0000\n\n${x.ref}\n`;
  const r = await runGit(["mktag"], { ...scope, cwd: mirror, env, input: text, timeoutMs: GIT_LIMIT_MS });
  const oid = r.stdout.trim();
  if (r.code !== 0 || !/^[0-9a-f]{40,64}$/.test(oid))
    throw new Error(`recording the name of ${x.ref.slice(0, 80)} failed: ${gitFailureLine(r.stderr)}`);
  return oid;
}

export function hashedName(stamp: string, ref: string): string {
  return `${BACKUP_NAMESPACE}/${stamp}/${HASHED_DIR}/${createHash("sha256").update(ref).digest("hex")}`;
}

async function createRefs(
  mirror: string,
  env: NodeJS.ProcessEnv,
  lines: string,
  scope: GitScope,
): Promise<{ ok: boolean; taken: boolean; error: string }> {
  const r = await runGit(["update-ref", "--stdin"], { ...scope, cwd: mirror, env, input: lines, timeoutMs: GIT_LIMIT_MS });
  return { ok: r.code === 0, taken: /exists|reference already/i.test(r.stderr), error: gitErrorLine(r.stderr) };
}

/**
 * Saves each old value under refs/backup/<stamp>/<heads|tags>/<name>, <stamp> the UTC time of
 * `stampSeconds` (backupStamp), made only when there is something to save. All in one transaction
 * first (one git for the common case); `create` refuses to overwrite, so a second save within
 * the same second gets its own stamp suffix. When the transaction fails for another reason,
 * every ref is saved on its own, so one ref can never block the others: a ref whose own name
 * cannot be stored there (refs/backup/<stamp>/ makes a name near PATH_MAX or NAME_MAX too long,
 * or anything else git refuses) is saved as refs/backup/<stamp>/hashed/<sha256 of its name>,
 * pointing at a tag object that records the name. Only a failure even under that short name
 * (a full disk, a broken repository) is thrown, and the journal keeps the refs for the next run.
 */
export async function saveOldRefs(
  mirror: string,
  env: NodeJS.ProcessEnv,
  toSave: readonly OldRef[],
  stampSeconds: number,
  scope: GitScope,
): Promise<SaveResult> {
  const result: SaveResult = { saved: 0, missing: [], hashed: [] };
  // the usual case, a mirror the fetch left unchanged or only fast-forwarded: nothing to name
  if (toSave.length === 0) return result;
  const stamp = backupStamp(stampSeconds);
  // An old value whose object this mirror no longer has (a journal from a damaged mirror, or a
  // `git gc --prune=now` by hand after a killed run) cannot be kept; it is said in the log line.
  const types = await objectTypes(mirror, env, toSave, scope);
  const present = toSave.filter((x) => types.has(x.oid));
  for (const x of toSave) if (!types.has(x.oid)) result.missing.push(`${x.ref} ${x.oid.slice(0, 12)}`);
  if (present.length === 0) return result;

  for (let n = 1; n <= 20; n++) {
    const s = n === 1 ? stamp : `${stamp}-${n}`;
    const all = await createRefs(mirror, env, backupTransaction(s, present), scope);
    if (all.ok) return { ...result, saved: present.length };
    if (all.taken) continue;
    for (const x of present) {
      const own = await createRefs(mirror, env, backupTransaction(s, [x]), scope);
      if (own.ok) {
        result.saved++;
        continue;
      }
      const record = await nameRecord(mirror, env, x, types.get(x.oid)!, stampSeconds, scope);
      const short = await createRefs(mirror, env, `create ${hashedName(s, x.ref)} ${record}\n`, scope);
      if (!short.ok) throw new Error(`saving old refs failed: ${firstErrorLine(short.error)}`);
      result.saved++;
      result.hashed.push(x.ref);
    }
    return result;
  }
  throw new Error("saving old refs failed: no free refs/backup stamp");
}
