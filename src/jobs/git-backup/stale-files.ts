import { lstat, readdir, unlink } from "node:fs/promises";
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

async function walkLocks(dir: string, found: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await walkLocks(p, found);
    else if (e.isFile() && e.name.endsWith(".lock")) found.push(p);
  }
}

async function candidates(mirror: string): Promise<string[]> {
  // One readdir of the mirror instead of a stat per possible lock: every async call is a
  // thread-pool round trip, and on a loaded host those add up per mirror and run.
  const top = await readdir(mirror).catch(() => [] as string[]);
  const found = top.filter((n) => TOP_LEVEL_LEFTOVERS.includes(n)).map((n) => join(mirror, n));
  found.push(join(mirror, "objects", "maintenance.lock"));
  await walkLocks(join(mirror, "refs"), found);
  // Our own temporary files (journal, lock record) that a kill -9 caught before their rename.
  for (const n of top) if (OUR_TEMPORARY.test(n)) found.push(join(mirror, n));
  try {
    for (const n of await readdir(join(mirror, "objects", "pack"))) {
      if (n.startsWith("tmp_pack_") || n.startsWith("tmp_idx_") || n.startsWith("tmp_rev_")) found.push(join(mirror, "objects", "pack", n));
    }
  } catch {
    // no pack directory yet
  }
  return found;
}

/**
 * Removes what a killed git left behind. Only called while we hold the mirror lock, so no git
 * of ours runs there; `everything` is set when the leftovers are known to be from a git we (or a
 * previous run of ours) killed, otherwise only files older than `olderThanMs` go, which no
 * healthy git holds that long.
 */
export async function removeStaleGitFiles(mirror: string, everything: boolean, olderThanMs: number, nowMs: number): Promise<string[]> {
  const removed: string[] = [];
  for (const p of await candidates(mirror)) {
    let st;
    try {
      st = await lstat(p);
    } catch {
      continue;
    }
    if (!st.isFile()) continue;
    if (!everything && nowMs - st.mtimeMs < olderThanMs) continue;
    try {
      await unlink(p);
      removed.push(p.slice(mirror.length + 1));
    } catch {
      // raced with someone else's cleanup; nothing to do
    }
  }
  return removed;
}
