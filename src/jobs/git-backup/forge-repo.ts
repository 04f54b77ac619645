/**
 * A repository as a forge listing describes it, after validation, in one shape for every forge
 * (GitHub, Gitea/Forgejo, GitLab) and for gists. `id` is the forge's own stable id as text
 * ("123", or "gist:<hex>"), unique within one listing.
 */
export interface ForgeRepo {
  id: string;
  name: string;
  cloneUrl: string;
  fork: boolean;
  archived: boolean;
  private: boolean;
  defaultBranch: string | undefined;
  /** the forge says the repository has a wiki (it may still have no page yet) */
  hasWiki: boolean;
}

// Names become directory names under DIR and words on git's command line: plain characters
// only, and never a leading "." (hidden, "..") or "-" (an option).
const PLAIN_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;
const BRANCH = /^(?!-)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._/-]{1,200}(?<![/.])$/;
const ID = /^(?:[1-9]\d{0,15}|gist:[0-9a-f]{1,64})$/;

export function isPlainName(name: string): boolean {
  return PLAIN_NAME.test(name);
}

// A real clone URL is host + owner (≤ 39) + name (≤ 100); the bound keeps a hostile listing from
// filling the remembered listing (state file) with megabyte URLs.
const MAX_URL_LENGTH = 1024;

/** http(s) only, no credentials, no whitespace or control characters, at most 1024 characters. */
export function isSafeCloneUrl(url: string): boolean {
  if (url.length > MAX_URL_LENGTH) return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (!/^https?:\/\/[^\s@/]+\/[^\s]*$/.test(url) || /[\u0000-\u001f\u007f]/.test(url)) return false;
  try {
    const u = new URL(url);
    return u.username === "" && u.password === "";
  } catch {
    return false;
  }
}

/** The wiki of a repository, as GitHub, Gitea and GitLab all serve it: NAME.wiki.git beside NAME.git. */
export function wikiUrl(cloneUrl: string): string {
  return `${cloneUrl.replace(/\.git$/, "")}.wiki.git`;
}

/**
 * The one validation every entry passes, whatever forge named it and whether it comes from the
 * API or from the remembered listing (the state file is not trusted either).
 */
export function checkRepo(r: Partial<Record<keyof ForgeRepo, unknown>>): ForgeRepo | string {
  if (typeof r.id !== "string" || !ID.test(r.id)) return "bad id";
  if (typeof r.name !== "string" || !isPlainName(r.name)) return "name is not plain ([A-Za-z0-9._-], no leading . or -)";
  if (typeof r.cloneUrl !== "string" || !isSafeCloneUrl(r.cloneUrl))
    return `clone URL is not a plain http(s) URL of at most ${MAX_URL_LENGTH} characters`;
  return {
    id: r.id,
    name: r.name,
    cloneUrl: r.cloneUrl,
    fork: r.fork === true,
    archived: r.archived === true,
    private: r.private === true,
    defaultBranch: typeof r.defaultBranch === "string" && BRANCH.test(r.defaultBranch) ? r.defaultBranch : undefined,
    hasWiki: r.hasWiki === true,
  };
}

const numericId = (v: unknown): string | undefined => (typeof v === "number" && Number.isSafeInteger(v) && v > 0 ? String(v) : undefined);

/** What one raw entry of a listing page is: its id (even when the entry is refused) and the repository or why not. */
export interface ParsedEntry {
  id: string | undefined;
  repo: ForgeRepo | string;
}

export type EntryParser = (raw: unknown) => ParsedEntry;

function record(raw: unknown): Record<string, unknown> | undefined {
  return typeof raw === "object" && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
}

/**
 * GitHub's repository object; Gitea and Forgejo (Codeberg) answer with the same field names
 * (id, name, clone_url, fork, private, archived, default_branch, has_wiki).
 */
export const parseGithubRepo: EntryParser = (raw) => {
  const r = record(raw);
  if (!r) return { id: undefined, repo: "not an object" };
  const id = numericId(r.id);
  return {
    id,
    repo: checkRepo({
      id,
      name: r.name,
      cloneUrl: r.clone_url,
      fork: r.fork,
      archived: r.archived,
      private: r.private,
      defaultBranch: r.default_branch,
      hasWiki: r.has_wiki,
    }),
  };
};

/**
 * GitLab's project object: `path` is the URL name (`name` may hold spaces), `http_url_to_repo`
 * the clone URL, `forked_from_project` present only for forks, `visibility` public, internal or
 * private, `wiki_enabled` (or `wiki_access_level` "disabled" on newer versions).
 */
export const parseGitlabProject: EntryParser = (raw) => {
  const r = record(raw);
  if (!r) return { id: undefined, repo: "not an object" };
  const id = numericId(r.id);
  const wiki = r.wiki_access_level !== undefined ? r.wiki_access_level !== "disabled" : r.wiki_enabled === true;
  return {
    id,
    repo: checkRepo({
      id,
      name: r.path,
      cloneUrl: r.http_url_to_repo,
      fork: record(r.forked_from_project) !== undefined,
      archived: r.archived,
      private: r.visibility !== "public",
      defaultBranch: r.default_branch,
      hasWiki: wiki,
    }),
  };
};

/** A GitHub gist: `id` is hex, `git_pull_url` the clone URL; its mirror is gist-<id>.git. */
export const parseGist: EntryParser = (raw) => {
  const r = record(raw);
  if (!r) return { id: undefined, repo: "not an object" };
  const hex = typeof r.id === "string" && /^[0-9a-f]{1,64}$/.test(r.id) ? r.id : undefined;
  const id = hex === undefined ? undefined : `gist:${hex}`;
  return {
    id,
    repo: checkRepo({ id, name: hex === undefined ? undefined : `gist-${hex}`, cloneUrl: r.git_pull_url, private: r.public === false }),
  };
};

/** Shell-style wildcard (* and ?) on the repository name, for --exclude. */
export function nameMatches(pattern: string, name: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "i",
  );
  return re.test(name);
}
