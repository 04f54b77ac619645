import { mkdir, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../atomic-file.js";
import type { BlockStyle } from "./unbound-include.js";

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

export interface VersionLists {
  names: readonly string[];
  networks: readonly string[];
  carveOuts: readonly string[];
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

  async names(version: number): Promise<string[]> {
    return lines(await readFile(join(this.dir, `${version}.names`), "utf8"));
  }

  async networks(version: number): Promise<string[]> {
    return lines(await readFile(join(this.dir, `${version}.networks`), "utf8"));
  }

  async carveOuts(version: number): Promise<string[]> {
    return lines(await readFile(join(this.dir, `${version}.carveouts`), "utf8"));
  }

  /** Records a new version (its lists first, then the index), and forgets those beyond `keep`. */
  async add(v: Omit<AppliedVersion, "version">, lists: VersionLists, keep: number): Promise<AppliedVersion> {
    await mkdir(this.dir, { recursive: true });
    const index = await this.index();
    const version: AppliedVersion = { ...v, version: index.last + 1 };
    await writeFileAtomic(join(this.dir, `${version.version}.names`), joinLines(lists.names));
    await writeFileAtomic(join(this.dir, `${version.version}.networks`), joinLines(lists.networks));
    await writeFileAtomic(join(this.dir, `${version.version}.carveouts`), joinLines(lists.carveOuts));
    const versions = [...index.versions, version];
    const dropped = versions.splice(0, Math.max(0, versions.length - keep));
    await this.writeIndex({ current: version.version, last: version.version, versions });
    for (const d of dropped) {
      await unlink(join(this.dir, `${d.version}.names`)).catch(() => {});
      await unlink(join(this.dir, `${d.version}.networks`)).catch(() => {});
      await unlink(join(this.dir, `${d.version}.carveouts`)).catch(() => {});
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

/** What changed between two sorted-or-not lists, in the order of each. */
export function listChanges(before: readonly string[], after: readonly string[]): { added: string[]; removed: string[] } {
  const was = new Set(before);
  const now = new Set(after);
  return { added: after.filter((n) => !was.has(n)), removed: before.filter((n) => !now.has(n)) };
}
