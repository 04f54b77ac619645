import type { GithubRepo } from "./github-repo.js";
import { nameMatches } from "./github-repo.js";

/** What the run knows of a mirror already in DIR before fetching. */
export interface KnownMirror {
  /** directory name, e.g. "tool.git" */
  dirName: string;
  url: string | undefined;
  githubId: number | undefined;
}

export type MirrorAction =
  | { kind: "fetch"; dirName: string; newUrl?: string; adoptId?: number; note?: string }
  | { kind: "create"; dirName: string; repo: GithubRepo }
  | { kind: "gone"; dirName: string };

export interface Filters {
  includeForks: boolean;
  excludeArchived: boolean;
  exclude: readonly string[];
}

export function wanted(repo: GithubRepo, f: Filters): boolean {
  if (repo.fork && !f.includeForks) return false;
  if (repo.archived && f.excludeArchived) return false;
  return !f.exclude.some((p) => nameMatches(p, repo.name));
}

/**
 * Matches the listing to DIR by repository id, so a rename upstream moves the mirror's URL
 * instead of starting a second copy; an id the listing no longer names is "gone upstream" and
 * kept untouched. Mirrors without an id (made by hand) are fetched as before, and adopted when
 * their URL is the listed one.
 */
export function planMirrors(
  known: readonly KnownMirror[],
  listed: readonly GithubRepo[],
  listedIds: ReadonlySet<number>,
  filters: Filters,
): MirrorAction[] {
  const actions = new Map<string, MirrorAction>();
  const byId = new Map<number, KnownMirror>();
  const byName = new Map<string, KnownMirror>();
  for (const m of known) {
    byName.set(m.dirName, m);
    if (m.githubId !== undefined && !byId.has(m.githubId)) byId.set(m.githubId, m);
    actions.set(m.dirName, { kind: "fetch", dirName: m.dirName });
  }
  for (const m of known) {
    if (m.githubId !== undefined && !listedIds.has(m.githubId)) actions.set(m.dirName, { kind: "gone", dirName: m.dirName });
  }
  const taken = new Set(known.map((m) => m.dirName));
  for (const repo of listed) {
    const mine = byId.get(repo.id);
    if (mine) {
      // Only an http(s) URL is followed: an ssh URL was chosen by hand, and GitHub redirects
      // a renamed repository's old path for git too.
      if (mine.url !== repo.cloneUrl && (mine.url === undefined || /^https?:\/\//i.test(mine.url))) {
        const note = mine.dirName === `${repo.name}.git` ? `URL changed upstream` : `renamed upstream to ${repo.name}`;
        actions.set(mine.dirName, { kind: "fetch", dirName: mine.dirName, newUrl: repo.cloneUrl, note });
      }
      continue;
    }
    if (!wanted(repo, filters)) continue;
    const plain = byName.get(`${repo.name}.git`);
    if (plain && plain.githubId === undefined && plain.url === repo.cloneUrl) {
      actions.set(plain.dirName, { kind: "fetch", dirName: plain.dirName, adoptId: repo.id });
      continue;
    }
    // The plain name belongs to another repository (e.g. the old name of a renamed one).
    const dirName = [`${repo.name}.git`, `${repo.name}-${repo.id}.git`].find((d) => !taken.has(d));
    if (dirName === undefined) continue;
    taken.add(dirName);
    actions.set(dirName, { kind: "create", dirName, repo });
  }
  return [...actions.values()].sort((a, b) => (a.dirName < b.dirName ? -1 : a.dirName > b.dirName ? 1 : 0));
}
