import type { GithubRepo } from "./github-repo.js";
import { parseGithubRepo } from "./github-repo.js";
import { setLongTimeout } from "./git-process.js";

export type ListingScope = { kind: "user"; name: string } | { kind: "org"; name: string } | { kind: "self" };

export interface ListingCache {
  /** url → ETag and the body it stands for: a 304 costs nothing against the rate limit */
  pages: Record<string, { etag: string; body: string }>;
}

export interface ListingOptions {
  api: string;
  token: string | undefined;
  cache: ListingCache;
  signal: AbortSignal;
  /** longest we wait for a rate-limit reset before giving up for this run */
  maxWaitMs: number;
  /** limit per request, headers and body (default 60 s): a silent API must not hang the run */
  requestTimeoutMs?: number;
  userAgent?: string;
}

export interface Listing {
  repos: GithubRepo[];
  /** every id the listing named, valid or not: an id missing here is gone upstream */
  ids: Set<number>;
  rejected: { entry: string; reason: string }[];
  requests: number;
}

export class ListingError extends Error {
  override readonly name = "ListingError";
}

// Bounds against a hostile or broken API: 100 pages of 100 is 10 000 repositories.
const MAX_PAGES = 100;
const MAX_PAGE_BYTES = 16 * 1024 * 1024;

function nextLink(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m?.[1]) return m[1];
  }
  return undefined;
}

async function readBounded(res: Response): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_PAGE_BYTES) {
      await reader.cancel();
      throw new ListingError(`GitHub API page larger than ${MAX_PAGE_BYTES} bytes: refused`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const cancel = setLongTimeout(resolve, ms);
    signal.addEventListener("abort", () => (cancel(), resolve()), { once: true });
  });
}

/** How long GitHub asks us to wait (retry-after, or the reset of an exhausted limit), if at all. */
function rateLimitWaitMs(res: Response, nowMs: number): number | undefined {
  const retryAfter = res.headers.get("retry-after");
  if (retryAfter && /^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
  if (res.headers.get("x-ratelimit-remaining") === "0") {
    const reset = Number(res.headers.get("x-ratelimit-reset"));
    if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - nowMs);
    return 60_000;
  }
  return res.status === 429 ? 60_000 : undefined;
}

function firstUrl(o: ListingOptions, scope: ListingScope, selfLogin: string | undefined): string {
  const api = o.api.replace(/\/+$/, "");
  if (scope.kind === "org") return `${api}/orgs/${encodeURIComponent(scope.name)}/repos?type=all&per_page=100`;
  if (scope.kind === "self" || (selfLogin !== undefined && selfLogin.toLowerCase() === scope.name.toLowerCase())) {
    return `${api}/user/repos?affiliation=owner&visibility=all&per_page=100`;
  }
  return `${api}/users/${encodeURIComponent(scope.name)}/repos?type=owner&per_page=100`;
}

/**
 * Lists repositories through the GitHub REST API: every page via Link rel="next" (only on the
 * API's own origin, so the token never goes elsewhere), conditional requests with the cached
 * ETag, and rate limits honoured: wait up to maxWaitMs, else stop with a clear message.
 */
export async function listGithubRepos(o: ListingOptions, scopes: readonly ListingScope[]): Promise<Listing> {
  const origin = new URL(o.api).origin;
  const out: Listing = { repos: [], ids: new Set(), rejected: [], requests: 0 };
  const seen = new Set<number>();
  const used = new Set<string>();

  const get = async (url: string): Promise<{ body: string; next: string | undefined }> => {
    for (let tries = 0; ; tries++) {
      const headers: Record<string, string> = {
        accept: "application/vnd.github+json",
        "x-github-api-version": "2022-11-28",
        "user-agent": o.userAgent ?? "chime-git-backup",
      };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      used.add(url);
      const cached = o.cache.pages[url];
      if (cached) headers["if-none-match"] = cached.etag;
      out.requests++;
      const limitMs = o.requestTimeoutMs ?? 60_000;
      const timeout = AbortSignal.timeout(limitMs);
      const signal = AbortSignal.any([o.signal, timeout]);
      const failed = (err: unknown): ListingError => {
        if (o.signal.aborted) return new ListingError("GitHub API request stopped by shutdown");
        if (timeout.aborted) return new ListingError(`GitHub API ${new URL(url).pathname}: no complete answer within ${limitMs / 1000} s`);
        const cause = (err as { cause?: { message?: unknown } }).cause?.message;
        return new ListingError(`GitHub API request failed: ${(err as Error).message}${typeof cause === "string" ? ` (${cause})` : ""}`);
      };
      let res: Response;
      try {
        res = await fetch(url, { headers, signal, redirect: "error" });
      } catch (err) {
        throw failed(err);
      }
      const next = nextLink(res.headers.get("link"));
      if (res.status === 304 && cached) {
        await res.body?.cancel();
        return { body: cached.body, next };
      }
      if (res.status === 403 || res.status === 429) {
        const wait = rateLimitWaitMs(res, Date.now());
        await res.body?.cancel();
        if (wait === undefined) throw new ListingError(`GitHub API refused ${new URL(url).pathname}: HTTP 403`);
        if (wait > o.maxWaitMs || tries >= 2) {
          const reset = new Date(Date.now() + wait).toISOString().replace(/\.\d+Z$/, "Z");
          throw new ListingError(`GitHub API rate limit exhausted until ${reset}; listing skipped this run`);
        }
        await sleep(wait, o.signal);
        continue;
      }
      if (res.status !== 200) {
        await res.body?.cancel();
        throw new ListingError(`GitHub API ${new URL(url).pathname}: HTTP ${res.status}`);
      }
      let body: string;
      try {
        body = await readBounded(res);
      } catch (err) {
        throw err instanceof ListingError ? err : failed(err);
      }
      const etag = res.headers.get("etag");
      if (etag) o.cache.pages[url] = { etag, body };
      return { body, next };
    }
  };

  let selfLogin: string | undefined;
  if (o.token && scopes.some((s) => s.kind === "user")) {
    const me = JSON.parse((await get(`${o.api.replace(/\/+$/, "")}/user`)).body) as { login?: unknown };
    if (typeof me.login === "string") selfLogin = me.login;
  }
  for (const scope of scopes) {
    let url: string | undefined = firstUrl(o, scope, selfLogin);
    for (let page = 0; url !== undefined; page++) {
      if (page >= MAX_PAGES) throw new ListingError(`GitHub API listing has more than ${MAX_PAGES} pages: refused`);
      if (new URL(url).origin !== origin) throw new ListingError(`GitHub API Link points off the API origin: refused`);
      const { body, next } = await get(url);
      let entries: unknown;
      try {
        entries = JSON.parse(body);
      } catch {
        throw new ListingError(`GitHub API ${new URL(url).pathname}: response is not JSON`);
      }
      if (!Array.isArray(entries)) throw new ListingError(`GitHub API ${new URL(url).pathname}: response is not a list`);
      for (const e of entries) {
        const id = (e as { id?: unknown } | null)?.id;
        if (typeof id === "number" && Number.isSafeInteger(id)) out.ids.add(id);
        const repo = parseGithubRepo(e);
        if (typeof repo === "string") {
          out.rejected.push({ entry: JSON.stringify((e as { name?: unknown } | null)?.name ?? null).slice(0, 80), reason: repo });
        } else if (!seen.has(repo.id)) {
          seen.add(repo.id);
          out.repos.push(repo);
        }
      }
      url = next;
    }
  }
  // Keep only the pages this listing consists of now, so the cache cannot grow without bound.
  for (const url of Object.keys(o.cache.pages)) if (!used.has(url)) delete o.cache.pages[url];
  return out;
}
