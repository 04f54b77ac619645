import type { IncomingHttpHeaders } from "node:http";
import { NetworkReadError, secondsText } from "../network/deadline.js";
import { httpGet, urlForMessages, type HttpReply, type Validators } from "../network/http-get.js";
import type { GithubRepo } from "./github-repo.js";
import { sleepFor } from "../long-timer.js";
import { cachedPagesFrom, MAX_PAGE_ENTRIES, pageFromCache, pageToCache, readPage, type CachedPage, type PageContent } from "./listing-page.js";

export type ListingScope = { kind: "user"; name: string } | { kind: "org"; name: string } | { kind: "self" };

/**
 * What the listing remembers between runs (in the state file): per page URL its validators and
 * the few fields discovery uses, so a 304 costs nothing against the rate limit. Never bodies.
 */
export interface ListingCache {
  pages: Record<string, CachedPage>;
  /** the token owner's login, for "--github-user is me" */
  self?: { etag?: string | undefined; lastModified?: string | undefined; login: string } | undefined;
}

export interface ListingOptions {
  api: string;
  token: string | undefined;
  cache: ListingCache;
  signal: AbortSignal;
  /** longest we wait for a rate-limit reset before giving up for this run */
  maxWaitMs: number;
  /** the job's injected clock (ms since the epoch): the listing's limit, rate-limit resets */
  nowMs: () => number;
  /** limit per request, headers and body (default 60 s): a silent API must not hang the run */
  requestTimeoutMs?: number;
  /** limit for the whole listing, every page and rate-limit wait (default 5 min + maxWaitMs) */
  listingTimeoutMs?: number;
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

// Bounds against a hostile or broken API: 100 pages of 100 is 10 000 repositories. A real
// page of 100 repositories is under 1 MB of JSON.
const MAX_PAGES = 100;
export const MAX_PAGE_BYTES = 4 * 1024 * 1024;
const MAX_CACHED_PAGES = 4 * MAX_PAGES;

function nextLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m?.[1]) return m[1];
  }
  return undefined;
}

function headerText(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return typeof v === "string" ? v : undefined;
}

/** How long GitHub asks us to wait (retry-after, or the reset of an exhausted limit), if at all. */
function rateLimitWaitMs(res: HttpReply, nowMs: number): number | undefined {
  const retryAfter = headerText(res.headers, "retry-after");
  if (retryAfter && /^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
  if (headerText(res.headers, "x-ratelimit-remaining") === "0") {
    const reset = Number(headerText(res.headers, "x-ratelimit-reset"));
    if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - nowMs);
    return 60_000;
  }
  return res.status === 429 ? 60_000 : undefined;
}

function firstUrl(o: ListingOptions, scope: ListingScope, selfLogin: string | undefined): string {
  const api = o.api.replace(/\/+$/, "");
  const perPage = `per_page=${MAX_PAGE_ENTRIES}`;
  if (scope.kind === "org") return `${api}/orgs/${encodeURIComponent(scope.name)}/repos?type=all&${perPage}`;
  if (scope.kind === "self" || (selfLogin !== undefined && selfLogin.toLowerCase() === scope.name.toLowerCase())) {
    return `${api}/user/repos?affiliation=owner&visibility=all&${perPage}`;
  }
  return `${api}/users/${encodeURIComponent(scope.name)}/repos?type=owner&${perPage}`;
}

/** The cache as read back from the state file: shape checked, bounded, bodies of old versions dropped. */
export function listingCacheFrom(raw: unknown): ListingCache {
  const r = (typeof raw === "object" && raw !== null ? raw : {}) as { pages?: unknown; self?: { etag?: unknown; lastModified?: unknown; login?: unknown } };
  const s = r.self;
  const text = (v: unknown): v is string => typeof v === "string" && v.length <= 512;
  const self =
    s && text(s.login) && (s.etag === undefined || text(s.etag)) && (s.lastModified === undefined || text(s.lastModified))
      ? { etag: s.etag as string | undefined, lastModified: s.lastModified as string | undefined, login: s.login }
      : undefined;
  return { pages: cachedPagesFrom(r.pages, MAX_CACHED_PAGES), self };
}

/**
 * Lists repositories through the GitHub REST API: every page via Link rel="next" (only on the
 * API's own origin, so the token never goes elsewhere), conditional requests with the cached
 * validators, and rate limits honoured: wait up to maxWaitMs, else stop with a clear message.
 * Every request has its own deadline and the whole listing one more, both enforced by our own
 * timers (see network/http-get.ts), and ctx's signal ends it at once.
 */
export async function listGithubRepos(o: ListingOptions, scopes: readonly ListingScope[]): Promise<Listing> {
  const origin = new URL(o.api).origin;
  const out: Listing = { repos: [], ids: new Set(), rejected: [], requests: 0 };
  const seen = new Set<number>();
  const used = new Set<string>();
  const requestMs = o.requestTimeoutMs ?? 60_000;
  const listingMs = o.listingTimeoutMs ?? 5 * 60_000 + o.maxWaitMs;
  const endMs = o.nowMs() + listingMs;
  const overLimit = (): ListingError => new ListingError(`GitHub listing took longer than its limit of ${secondsText(listingMs)}: stopped`);

  /** One GET with rate-limit waits: the reply, or undefined for "304, the cache is current". */
  const get = async (url: string, validators: Validators | undefined, maxBodyBytes = MAX_PAGE_BYTES): Promise<HttpReply | undefined> => {
    const shown = urlForMessages(url);
    for (let tries = 0; ; tries++) {
      const headers: Record<string, string> = {
        accept: "application/vnd.github+json",
        "x-github-api-version": "2022-11-28",
        "user-agent": o.userAgent ?? "chime-git-backup",
      };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      const leftMs = endMs - o.nowMs();
      if (leftMs <= 0) throw overLimit();
      out.requests++;
      let res: HttpReply;
      try {
        res = await httpGet({ url, headers, validators, timeoutMs: Math.min(requestMs, leftMs), signal: o.signal, maxBodyBytes });
      } catch (err) {
        if (!(err instanceof NetworkReadError)) throw err;
        if (err.reason === "aborted") throw new ListingError("GitHub API request stopped by shutdown");
        if (err.reason === "timeout" && leftMs < requestMs) throw overLimit();
        if (err.reason === "timeout") throw new ListingError(`GitHub API ${shown}: no complete answer within ${secondsText(requestMs)}`);
        throw new ListingError(`GitHub API ${err.message.replace(/^GET /, "")}`);
      }
      if (res.status === 304 && validators) return undefined;
      if (res.status === 403 || res.status === 429) {
        const wait = rateLimitWaitMs(res, o.nowMs());
        if (wait === undefined) throw new ListingError(`GitHub API refused ${shown}: HTTP ${res.status}`);
        if (wait > o.maxWaitMs || wait >= endMs - o.nowMs() || tries >= 2) {
          const reset = new Date(o.nowMs() + wait).toISOString().replace(/\.\d+Z$/, "Z");
          throw new ListingError(`GitHub API rate limit exhausted until ${reset}; listing skipped this run`);
        }
        await sleepFor(wait, o.signal);
        if (o.signal.aborted) throw new ListingError("GitHub API request stopped by shutdown");
        continue;
      }
      if (res.status !== 200) throw new ListingError(`GitHub API ${shown}: HTTP ${res.status}`);
      return res;
    }
  };

  let selfLogin: string | undefined;
  if (o.token && scopes.some((s) => s.kind === "user")) {
    // The user object is ~2 KB; a bound far below a page keeps its JSON.parse small too.
    const res = await get(`${o.api.replace(/\/+$/, "")}/user`, o.cache.self, 64 * 1024);
    if (res === undefined) selfLogin = o.cache.self?.login;
    else {
      let login: unknown;
      try {
        login = (JSON.parse(res.body.toString("utf8")) as { login?: unknown } | null)?.login;
      } catch {
        throw new ListingError(`GitHub API ${urlForMessages(res.url)}: response is not JSON`);
      }
      if (typeof login === "string" && login.length <= 100) {
        selfLogin = login;
        o.cache.self = res.validators.etag || res.validators.lastModified ? { ...res.validators, login } : undefined;
      }
    }
  }
  for (const scope of scopes) {
    let url: string | undefined = firstUrl(o, scope, selfLogin);
    for (let page = 0; url !== undefined; page++) {
      if (page >= MAX_PAGES) throw new ListingError(`GitHub API listing has more than ${MAX_PAGES} pages: refused`);
      if (new URL(url).origin !== origin) throw new ListingError(`GitHub API Link points off the API origin: refused`);
      used.add(url);
      const cached: CachedPage | undefined = o.cache.pages[url];
      const res = await get(url, cached);
      let content: PageContent;
      let next: string | undefined;
      if (res === undefined && cached) {
        content = pageFromCache(cached);
        next = cached.next;
      } else if (res !== undefined) {
        const read = readPage(res.body.toString("utf8"));
        if (typeof read === "string") throw new ListingError(`GitHub API ${urlForMessages(url)}: ${read}`);
        content = read;
        next = nextLink(headerText(res.headers, "link"));
        if (res.validators.etag || res.validators.lastModified) o.cache.pages[url] = pageToCache(content, res.validators, next);
        else delete o.cache.pages[url];
      } else throw new ListingError(`GitHub API ${urlForMessages(url)}: 304 for a page we have not seen`);
      for (const id of content.ids) out.ids.add(id);
      out.rejected.push(...content.rejected);
      for (const repo of content.repos) {
        if (!seen.has(repo.id)) {
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
