import { checkRepo, type EntryParser, type ForgeRepo } from "./forge-repo.js";

/**
 * What the listing remembers of one page between runs: enough to answer a 304 without the
 * body. Bodies are never kept: a dense page held in the state file crashed a 128 MB heap.
 */
export interface CachedPage {
  etag?: string | undefined;
  lastModified?: string | undefined;
  next?: string | undefined;
  /** the valid entries, re-validated when read back (the state file is not trusted either) */
  repos: ForgeRepo[];
  /** ids of entries that were rejected: they are still listed, so their mirrors are not "gone upstream" */
  otherIds: string[];
}

export interface PageContent {
  repos: ForgeRepo[];
  /** every id the page named, valid entry or not */
  ids: string[];
  rejected: { entry: string; reason: string }[];
}

/** We ask for 100 per page (GitHub, GitLab) or 50 (Gitea's default maximum); none sends more. */
export const MAX_PAGE_ENTRIES = 100;
// A real repository entry has a handful of objects and arrays (owner, permissions, license,
// topics); 64 each is generous. Objects cost ~20 times their JSON text in heap, so a page of
// "{}" must be refused before JSON.parse, not after.
const MAX_CONTAINERS = MAX_PAGE_ENTRIES * 64;
const MAX_CACHED_TEXT = 2048;

/** Why the page text is not a plausible listing page, decided by one pass over it, or undefined. */
function shapeProblem(text: string): string | undefined {
  let depth = 0;
  let containers = 0;
  let commas = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 0x5c) escaped = true;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (++containers > MAX_CONTAINERS) return `more than ${MAX_CONTAINERS} objects and arrays`;
    } else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x2c && depth === 1 && ++commas >= MAX_PAGE_ENTRIES) return `more than ${MAX_PAGE_ENTRIES} entries`;
  }
  return undefined;
}

/** The entries of one listing page, or why the page is refused. */
export function readPage(body: string, parse: EntryParser): PageContent | string {
  const shape = shapeProblem(body);
  if (shape !== undefined) return `${shape}: refused`;
  let entries: unknown;
  try {
    entries = JSON.parse(body);
  } catch {
    return "response is not JSON";
  }
  if (!Array.isArray(entries)) return "response is not a list";
  const out: PageContent = { repos: [], ids: [], rejected: [] };
  for (const e of entries) {
    const { id, repo } = parse(e);
    if (id !== undefined) out.ids.push(id);
    if (typeof repo === "string") {
      const name = (e as { name?: unknown } | null)?.name;
      out.rejected.push({
        entry: JSON.stringify(typeof name === "string" ? name.slice(0, 80) : (name ?? null)).slice(0, 80),
        reason: repo,
      });
    } else out.repos.push(repo);
  }
  return out;
}

export function pageToCache(
  page: PageContent,
  validators: { etag?: string | undefined; lastModified?: string | undefined },
  next: string | undefined,
): CachedPage {
  const valid = new Set(page.repos.map((r) => r.id));
  return {
    etag: validators.etag,
    lastModified: validators.lastModified,
    next,
    repos: page.repos,
    otherIds: page.ids.filter((id) => !valid.has(id)),
  };
}

/** The page a 304 stands for. Rejected entries were reported when the page was new. */
export function pageFromCache(c: CachedPage): PageContent {
  const out: PageContent = { repos: [], ids: [...c.otherIds], rejected: [] };
  for (const e of c.repos) {
    const repo = checkRepo(e);
    if (typeof repo !== "string") {
      out.repos.push(repo);
      out.ids.push(repo.id);
    }
  }
  return out;
}

const boundedText = (v: unknown): v is string => typeof v === "string" && v.length <= MAX_CACHED_TEXT;
const optionalText = (v: unknown): boolean => v === undefined || boundedText(v);

/**
 * Cached pages read back from the state file: anything malformed, oversized or in an older
 * format (bodies) is dropped, which costs one unconditional request for that page.
 */
export function cachedPagesFrom(raw: unknown, maxPages: number): Record<string, CachedPage> {
  const out: Record<string, CachedPage> = {};
  if (typeof raw !== "object" || raw === null) return out;
  let n = 0;
  for (const [url, v] of Object.entries(raw)) {
    if (n >= maxPages) break;
    const p = v as Partial<CachedPage> | null;
    if (url.length > MAX_CACHED_TEXT || typeof p !== "object" || p === null) continue;
    if (!optionalText(p.etag) || !optionalText(p.lastModified) || !optionalText(p.next)) continue;
    if (p.etag === undefined && p.lastModified === undefined) continue;
    if (!Array.isArray(p.repos) || p.repos.length > MAX_PAGE_ENTRIES) continue;
    if (
      !Array.isArray(p.otherIds) ||
      p.otherIds.length > MAX_PAGE_ENTRIES ||
      !p.otherIds.every((id) => boundedText(id) && id.length <= 100)
    )
      continue;
    // A page with an entry that no longer validates (an older format) would lose that id and
    // make its mirror look "gone upstream": drop the whole page, one unconditional request.
    if (!p.repos.every((r) => typeof checkRepo(r as Partial<Record<keyof ForgeRepo, unknown>>) !== "string")) continue;
    out[url] = { etag: p.etag, lastModified: p.lastModified, next: p.next, repos: p.repos, otherIds: p.otherIds };
    n++;
  }
  return out;
}
