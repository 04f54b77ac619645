import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { unlinkQuietlyAsync, writeFileAtomic } from "../atomic-file.js";
import { isRefusal, normaliseName } from "./dns-name.js";
import { BLOCK, NameTable, writeKey } from "./name-table.js";
import { type BlockStyle, type IncludedNames, nameLineChunks, PLAIN_LINE } from "./unbound-include.js";

/**
 * The last --keep applied versions, in the job's state directory: `versions/index.json` (what
 * each version was, which one unbound serves) and `versions/N.names`, `versions/N.networks`
 * and `versions/N.carveouts` (one entry a line). Enough to tell an operator when a name started being blocked, and to
 * put any kept version back (--rollback N).
 */
export interface AppliedVersion {
  version: number;
  /** seconds since the epoch */
  appliedAt: number;
  names: number;
  networks: number;
  /** allowed names below blocked ones, written as zones of their own */
  carveOuts: number;
  added: number;
  removed: number;
  style: BlockStyle;
  /** digest of everything the version was built from (sources, allow and protect files, options) */
  inputs: string;
  /** set on a version put back by --rollback: the version it re-applied */
  rollbackOf?: number;
}

export interface VersionIndex {
  /** the version unbound serves (0: none yet) */
  current: number;
  /** the highest number ever given */
  last: number;
  versions: AppliedVersion[];
}

/** What a version is: its names and carve-outs as entries of a table, and its networks. */
export interface VersionLists extends IncludedNames {
  readonly networks: readonly string[];
}

export class VersionStore {
  readonly dir: string;
  constructor(stateDir: string) {
    this.dir = join(stateDir, "versions");
  }

  async index(): Promise<VersionIndex> {
    try {
      return JSON.parse(await readFile(join(this.dir, "index.json"), "utf8")) as VersionIndex;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { current: 0, last: 0, versions: [] };
      throw e;
    }
  }

  /** the text of a version's names file: one name a line, in canonical order */
  async namesText(version: number): Promise<string> {
    return readFile(join(this.dir, `${version}.names`), "latin1");
  }

  /**
   * A kept version's names and carve-outs, as a table. The files are in the state directory,
   * which is ours, but a line that is not a name (a file cut short, an edit by hand) is left
   * out here rather than reaching unbound's configuration.
   */
  async lists(version: number): Promise<VersionLists> {
    const names = await this.namesText(version);
    const carved = await readFile(join(this.dir, `${version}.carveouts`), "latin1").catch(() => "");
    const table = new NameTable(names.length + carved.length);
    const add = (text: string): Uint32Array => {
      const entries: number[] = [];
      for (const line of lines(text)) {
        const n = normaliseName(line);
        if (isRefusal(n)) continue;
        entries.push(table.count);
        table.add(n, BLOCK);
      }
      return Uint32Array.from(entries);
    };
    return { table, blocked: add(names), carved: add(carved), networks: await this.networks(version) };
  }

  async networks(version: number): Promise<string[]> {
    return lines(await readFile(join(this.dir, `${version}.networks`), "utf8"));
  }

  /** Records a new version (its lists first, then the index), and forgets those beyond `keep`. */
  async add(v: Omit<AppliedVersion, "version">, lists: VersionLists, keep: number): Promise<AppliedVersion> {
    await mkdir(this.dir, { recursive: true });
    const index = await this.index();
    const version: AppliedVersion = { ...v, version: index.last + 1 };
    await writeFileAtomic(join(this.dir, `${version.version}.names`), nameLines(lists.table, lists.blocked));
    await writeFileAtomic(join(this.dir, `${version.version}.networks`), joinLines(lists.networks));
    await writeFileAtomic(join(this.dir, `${version.version}.carveouts`), nameLines(lists.table, lists.carved));
    const versions = [...index.versions, version];
    const dropped = versions.splice(0, Math.max(0, versions.length - keep));
    await this.writeIndex({ current: version.version, last: version.version, versions });
    for (const d of dropped) {
      await unlinkQuietlyAsync(join(this.dir, `${d.version}.names`));
      await unlinkQuietlyAsync(join(this.dir, `${d.version}.networks`));
      await unlinkQuietlyAsync(join(this.dir, `${d.version}.carveouts`));
    }
    return version;
  }

  private async writeIndex(index: VersionIndex): Promise<void> {
    await writeFileAtomic(join(this.dir, "index.json"), `${JSON.stringify(index, null, 1)}\n`);
  }
}

function lines(text: string): string[] {
  return text === "" ? [] : text.replace(/\n$/, "").split("\n");
}

function joinLines(xs: readonly string[]): string {
  return xs.length === 0 ? "" : `${xs.join("\n")}\n`;
}

/** Entries of a table, one name a line, in byte chunks. */
const nameLines = (table: NameTable, entries: Uint32Array): Generator<Uint8Array> =>
  nameLineChunks(table, [[entries, PLAIN_LINE, undefined]]);

/** How many names a version adds and removes, and the first few of each, for the log. */
export interface ListChanges {
  added: number;
  removed: number;
  firstAdded: string[];
  firstRemoved: string[];
}

/** How many added and removed names a run logs by name. */
export const SHOWN_CHANGES = 5;

/**
 * What changed from the names of the version served (`before`: a names file's text) to
 * `after`. Both are in canonical order (every names file is written from a decision), so one
 * merge pass over the two settles it, without a set of a million strings. A file that is not
 * in that order (written by hand) is compared by lookups instead.
 */
export function listChanges(before: string, after: IncludedNames): ListChanges {
  const out: ListChanges = { added: 0, removed: 0, firstAdded: [], firstRemoved: [] };
  const { table, blocked } = after;
  const removedName = (name: string): void => {
    if (out.firstRemoved.length < SHOWN_CHANGES) out.firstRemoved.push(name);
    out.removed++;
  };
  const addedEntry = (entry: number): void => {
    if (out.firstAdded.length < SHOWN_CHANGES) out.firstAdded.push(table.name(entry));
    out.added++;
  };
  // two key buffers, this line's and the one before, to see that the file is in order
  let key = new Uint8Array(256);
  let last = new Uint8Array(256);
  let lastLength = -1;
  let j = 0;
  for (let pos = 0; pos < before.length; ) {
    let end = before.indexOf("\n", pos);
    if (end < 0) end = before.length;
    const name = before.slice(pos, end);
    pos = end + 1;
    if (name === "" || name.length > 253) continue;
    writeKey(name, key, 0);
    if (lastLength >= 0 && compareBytes(last, lastLength, key, name.length) >= 0) return changesByLookup(lines(before), after);
    [key, last] = [last, key];
    lastLength = name.length;
    // the new names before this one were not in the file
    let c = j < blocked.length ? table.compareKey(blocked[j]!, last, lastLength) : 1;
    while (c < 0) {
      addedEntry(blocked[j++]!);
      c = j < blocked.length ? table.compareKey(blocked[j]!, last, lastLength) : 1;
    }
    if (c === 0) j++;
    else removedName(name);
  }
  while (j < blocked.length) addedEntry(blocked[j++]!);
  return out;
}

function compareBytes(a: Uint8Array, aLength: number, b: Uint8Array, bLength: number): number {
  const n = Math.min(aLength, bLength);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return aLength - bLength;
}

function changesByLookup(previous: readonly string[], after: IncludedNames): ListChanges {
  const out: ListChanges = { added: 0, removed: 0, firstAdded: [], firstRemoved: [] };
  const was = new Set(previous);
  const now = new Set(after.table.names(after.blocked));
  for (const n of now) {
    if (was.has(n)) continue;
    if (out.firstAdded.length < SHOWN_CHANGES) out.firstAdded.push(n);
    out.added++;
  }
  for (const n of was) {
    if (now.has(n)) continue;
    if (out.firstRemoved.length < SHOWN_CHANGES) out.firstRemoved.push(n);
    out.removed++;
  }
  return out;
}
