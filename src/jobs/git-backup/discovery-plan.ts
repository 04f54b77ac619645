import type { ForgeRepo } from "./forge-repo.js";
import { nameMatches } from "./forge-repo.js";

/** What the run knows of a mirror already in DIR before fetching. */
export interface KnownMirror {
  /** directory name, e.g. "tool.git" */
  dirName: string;
  url: string | undefined;
  /** which forge repository it mirrors (see PlannedRepo.key); undefined: made by hand */
  key: string | undefined;
  /** when a run first found it gone upstream (seconds), if it is marked so */
  goneSince?: number | undefined;
}

/** A repository (or a wiki, or a gist) a listing named, with the key its mirror remembers. */
export interface PlannedRepo {
  /** "github 123", "gitlab https://gitlab.example/api/v4 7", "… wiki": unique across forges */
  key: string;
  repo: ForgeRepo;
  /** a wiki: created only once `ls-remote` finds it (a forge reports wikis that have no page yet) */
  probe?: boolean;
}

export type MirrorAction =
  | { kind: "fetch"; dirName: string; newUrl?: string; adoptKey?: string; note?: string; backUpstream?: boolean }
  | { kind: "create"; dirName: string; planned: PlannedRepo }
  | { kind: "gone"; dirName: string; since: number | undefined };

export interface Filters {
  includeForks: boolean;
  excludeArchived: boolean;
  exclude: readonly string[];
}

export function wanted(repo: ForgeRepo, f: Filters): boolean {
  if (repo.fork && !f.includeForks) return false;
  if (repo.archived && f.excludeArchived) return false;
  return !f.exclude.some((p) => nameMatches(p, repo.name));
}

/**
 * Matches the listings to DIR by key (forge and stable id), so a rename upstream moves the
 * mirror's URL instead of starting a second copy; a key whose listing succeeded (`covered`) but
 * no longer names it is "gone upstream" and kept untouched. Mirrors without a key (made by hand)
 * are fetched as before, and adopted when their URL is the listed one.
 */
export function planMirrors(
  known: readonly KnownMirror[],
  listed: readonly PlannedRepo[],
  listedKeys: ReadonlySet<string>,
  covered: (key: string) => boolean,
  filters: Filters,
): MirrorAction[] {
  const actions = new Map<string, MirrorAction>();
  const byKey = new Map<string, KnownMirror>();
  const byName = new Map<string, KnownMirror>();
  for (const m of known) {
    byName.set(m.dirName, m);
    if (m.key !== undefined && !byKey.has(m.key)) byKey.set(m.key, m);
    const back = m.goneSince !== undefined && m.key !== undefined && listedKeys.has(m.key);
    actions.set(m.dirName, { kind: "fetch", dirName: m.dirName, ...(back ? { backUpstream: true } : {}) });
  }
  for (const m of known) {
    if (m.key !== undefined && covered(m.key) && !listedKeys.has(m.key))
      actions.set(m.dirName, { kind: "gone", dirName: m.dirName, since: m.goneSince });
  }
  const taken = new Set(known.map((m) => m.dirName));
  for (const p of listed) {
    const repo = p.repo;
    const mine = byKey.get(p.key);
    if (mine) {
      // Only an http(s) URL is followed: an ssh URL was chosen by hand, and forges redirect
      // a renamed repository's old path for git too.
      if (mine.url !== repo.cloneUrl && (mine.url === undefined || /^https?:\/\//i.test(mine.url))) {
        const note = mine.dirName === `${repo.name}.git` ? `URL changed upstream` : `renamed upstream to ${repo.name}`;
        const prev = actions.get(mine.dirName);
        actions.set(mine.dirName, {
          ...(prev?.kind === "fetch" ? prev : {}),
          kind: "fetch",
          dirName: mine.dirName,
          newUrl: repo.cloneUrl,
          note,
        });
      }
      continue;
    }
    if (!wanted(repo, filters)) continue;
    const plain = byName.get(`${repo.name}.git`);
    if (plain && plain.key === undefined && plain.url === repo.cloneUrl) {
      actions.set(plain.dirName, { kind: "fetch", dirName: plain.dirName, adoptKey: p.key });
      continue;
    }
    // The plain name belongs to another repository (e.g. the old name of a renamed one).
    const suffix = repo.id.replace(/[^0-9A-Za-z]/g, "");
    const dirName = [`${repo.name}.git`, `${repo.name}-${suffix}.git`].find((d) => !taken.has(d));
    if (dirName === undefined) continue;
    taken.add(dirName);
    actions.set(dirName, { kind: "create", dirName, planned: p });
  }
  return [...actions.values()].sort((a, b) => (a.dirName < b.dirName ? -1 : a.dirName > b.dirName ? 1 : 0));
}
