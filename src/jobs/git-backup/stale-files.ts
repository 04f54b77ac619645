import { lstatSync, readdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";

// Lock files git may leave when killed (reference: refs/**, packed-refs.lock, config.lock,
// HEAD.lock, shallow.lock, objects/maintenance.lock), and the half-received packs of a killed
// index-pack, which the next fetch neither uses nor removes. packed-refs.new is the new
// packed-refs git writes under packed-refs.lock before renaming it into place; git creates it
// exclusively, so one left by a kill makes every later deletion of a packed ref fail ("File
// exists"). The packed-refs beside it is still the old, whole one.
const TOP_LEVEL_LEFTOVERS = [
  "HEAD.lock",
  "packed-refs.lock",
  "packed-refs.new",
  "config.lock",
  "shallow.lock",
  "FETCH_HEAD.lock",
  "index.lock",
];

const OUR_TEMPORARY = /^\.chime-(refs-before|backup\.lock)\.\d+\.[0-9a-f]+\.tmp$/;

function walkLocks(dir: string, found: string[], skip: string | undefined): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (p !== skip) walkLocks(p, found, skip);
    } else if (e.isFile() && e.name.endsWith(".lock")) found.push(p);
  }
}

/**
 * `afterKill`: a git of ours is known to have been killed; its leftovers go, refs/backup
 * included. Otherwise refs/backup is not walked: it holds a directory per saved event, so the
 * walk would slow every run as history grows, and a lock left there blocks nothing (only chime
 * writes there, always under a stamp it has not used, and a taken name moves it to another). Such
 * a lock, from an update-ref killed by its timeout, stays until a run takes over a dead one's lock.
 */
function candidates(mirror: string, afterKill: boolean): string[] {
  // One readdir of the mirror instead of a stat per possible lock.
  let top: string[] = [];
  try {
    top = readdirSync(mirror);
  } catch {
    // unreadable: nothing to clean, and the steps after say why
  }
  const found = top.filter((n) => TOP_LEVEL_LEFTOVERS.includes(n)).map((n) => join(mirror, n));
  found.push(join(mirror, "objects", "maintenance.lock"));
  walkLocks(join(mirror, "refs"), found, afterKill ? undefined : join(mirror, "refs", "backup"));
  // Our own temporary files (journal, lock record) that a kill -9 caught before their rename.
  for (const n of top) if (OUR_TEMPORARY.test(n)) found.push(join(mirror, n));
  try {
    for (const n of readdirSync(join(mirror, "objects", "pack"))) {
      if (n.startsWith("tmp_pack_") || n.startsWith("tmp_idx_") || n.startsWith("tmp_rev_")) found.push(join(mirror, "objects", "pack", n));
    }
  } catch {
    // no pack directory yet
  }
  if (afterKill) found.push(...looseTemporaries(join(mirror, "objects")));
  return found;
}

const LOOSE_DIR = /^[0-9a-f]{2}$/;

/**
 * A fetch of fewer objects than transfer.unpackLimit writes them loose, each first as
 * objects/XX/tmp_obj_* and then renamed; a kill in between leaves the temporary file, which only
 * `git prune` would remove (and chime's mirrors never run gc on their own). Looked for after a
 * kill only: it is a readdir of each of up to 256 directories.
 */
function looseTemporaries(objects: string): string[] {
  const found: string[] = [];
  let dirs: string[] = [];
  try {
    dirs = readdirSync(objects).filter((n) => LOOSE_DIR.test(n));
  } catch {
    return found;
  }
  for (const d of dirs) {
    try {
      for (const n of readdirSync(join(objects, d))) if (n.startsWith("tmp_obj_")) found.push(join(objects, d, n));
    } catch {
      // not a directory, or gone
    }
  }
  return found;
}

/**
 * Removes what a killed git left behind. Only called while we hold the mirror lock, so no git
 * of ours runs there; `everything` is set when the leftovers are known to be from a git we (or a
 * previous run of ours) killed, otherwise only files older than `olderThanMs` go, which no
 * healthy git holds that long.
 */
export function removeStaleGitFiles(mirror: string, everything: boolean, olderThanMs: number, nowMs: number): string[] {
  const removed: string[] = [];
  for (const p of candidates(mirror, everything)) {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      continue;
    }
    if (!st.isFile()) continue;
    if (!everything && nowMs - st.mtimeMs < olderThanMs) continue;
    try {
      unlinkSync(p);
      removed.push(p.slice(mirror.length + 1));
    } catch {
      // raced with someone else's cleanup; nothing to do
    }
  }
  return removed;
}
