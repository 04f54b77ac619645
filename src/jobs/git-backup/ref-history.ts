import { join } from "node:path";
import { unlinkQuietlyAsync, writeFileAtomicSync } from "../atomic-file.js";
import { readRegularFileSync } from "../regular-file.js";
import type { Environment } from "../job.js";
import type { GitScope } from "./git-process.js";
import { readMirror } from "./mirror-reader.js";
import { readRefFiles } from "./ref-files.js";

/** refname → object id, for refs/heads and refs/tags (what the mirror's refspec manages). */
export type RefSnapshot = Map<string, string>;

/** The namespace no refspec of ours maps to, so `fetch --prune` can never delete it. */
export const BACKUP_NAMESPACE = "refs/backup";
/** Written before each fetch, removed after the saves: a kill -9 in between is recovered. */
export const JOURNAL_FILE = "chime-refs-before";

function parseSnapshot(text: string): RefSnapshot {
  const refs: RefSnapshot = new Map();
  for (const line of text.split("\n")) {
    const sp = line.indexOf(" ");
    if (sp <= 0) continue;
    refs.set(line.slice(sp + 1), line.slice(0, sp));
  }
  return refs;
}

function formatSnapshot(refs: RefSnapshot): string {
  let out = "";
  for (const [ref, oid] of refs) out += `${oid} ${ref}\n`;
  return out;
}

/** `filesStore`: the mirror uses git's default "files" ref storage (checked with its config). */
export async function snapshotRefs(mirror: string, jobEnv: Environment, filesStore: boolean, scope: GitScope): Promise<RefSnapshot> {
  const fast = filesStore ? readRefFiles(mirror) : undefined;
  if (fast) return fast;
  return parseSnapshot(
    await readMirror(mirror, jobEnv, ["for-each-ref", "--format=%(objectname) %(refname)", "refs/heads", "refs/tags"], scope),
  );
}

/**
 * Exclusive temp file under a random name + rename, without fsync: the journal guards against the process being killed (the
 * page cache survives that), not against power loss, which git's own ref files do not survive
 * either by default. An fsync here cost 30 ms per mirror per run.
 */
export function writeJournal(mirror: string, refs: RefSnapshot): void {
  writeFileAtomicSync(join(mirror, JOURNAL_FILE), formatSnapshot(refs), { fsync: false });
}

export function readJournal(mirror: string): RefSnapshot | undefined {
  try {
    // as large as a snapshot can be: a journal too big to read would be a history lost
    return parseSnapshot(readRegularFileSync(join(mirror, JOURNAL_FILE), { maxBytes: 1 << 30 }));
  } catch {
    return undefined;
  }
}

/** In the thread pool: the removal can wait for the disk (unlinkQuietlyAsync). */
export async function clearJournal(mirror: string): Promise<void> {
  await unlinkQuietlyAsync(join(mirror, JOURNAL_FILE));
}

export interface RefDiff {
  /** refs added, changed or deleted */
  updated: number;
  /** refs whose old value must be kept: deleted refs, moved tags, branches not fast-forwarded */
  toSave: { ref: string; oid: string }[];
}

/**
 * Compares two snapshots. `isAncestor(old, new, branch)` decides whether a branch moved forward
 * (nothing lost) or was rewritten. Every tag move is saved, fast-forward or not: a tag is a
 * promise about one object.
 */
export async function diffRefs(
  before: RefSnapshot,
  after: RefSnapshot,
  isAncestor: (older: string, newer: string, ref: string) => Promise<boolean>,
): Promise<RefDiff> {
  let updated = 0;
  const toSave: { ref: string; oid: string }[] = [];
  for (const [ref, oid] of before) {
    const now = after.get(ref);
    if (now === oid) continue;
    updated++;
    if (now === undefined || ref.startsWith("refs/tags/") || !(await isAncestor(oid, now, ref))) toSave.push({ ref, oid });
  }
  for (const ref of after.keys()) if (!before.has(ref)) updated++;
  return { updated, toSave };
}

/** 2026-11-25T13:45:07Z → 20261125T134507Z: sorts by time, valid in a refname. */
export function backupStamp(epochSeconds: number): string {
  return new Date(epochSeconds * 1000)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}

/** `create` lines for `git update-ref --stdin`: refs/heads/x → refs/backup/STAMP/heads/x. */
export function backupTransaction(stamp: string, toSave: readonly { ref: string; oid: string }[]): string {
  return toSave.map((s) => `create ${BACKUP_NAMESPACE}/${stamp}/${s.ref.slice("refs/".length)} ${s.oid}\n`).join("");
}
