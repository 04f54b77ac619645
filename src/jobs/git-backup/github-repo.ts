/** A repository as the GitHub REST listing describes it, after validation. */
export interface GithubRepo {
  id: number;
  name: string;
  cloneUrl: string;
  fork: boolean;
  archived: boolean;
  private: boolean;
  defaultBranch: string | undefined;
}

// Names become directory names under DIR and words on git's command line: plain characters
// only, and never a leading "." (hidden, "..") or "-" (an option).
const PLAIN_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;
const BRANCH = /^(?!-)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._/-]{1,200}(?<![/.])$/;

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

/** Returns the repository, or a reason it was rejected. */
export function parseGithubRepo(raw: unknown): GithubRepo | string {
  if (typeof raw !== "object" || raw === null) return "not an object";
  const r = raw as Record<string, unknown>;
  if (typeof r.id !== "number" || !Number.isSafeInteger(r.id) || r.id <= 0) return "bad id";
  if (typeof r.name !== "string" || !isPlainName(r.name)) return "name is not plain ([A-Za-z0-9._-], no leading . or -)";
  if (typeof r.clone_url !== "string" || !isSafeCloneUrl(r.clone_url)) return `clone_url is not a plain http(s) URL of at most ${MAX_URL_LENGTH} characters`;
  const branch = typeof r.default_branch === "string" && BRANCH.test(r.default_branch) ? r.default_branch : undefined;
  return {
    id: r.id,
    name: r.name,
    cloneUrl: r.clone_url,
    fork: r.fork === true,
    archived: r.archived === true,
    private: r.private === true,
    defaultBranch: branch,
  };
}

/** Shell-style wildcard (* and ?) on the repository name, for --exclude. */
export function nameMatches(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
  return re.test(name);
}
