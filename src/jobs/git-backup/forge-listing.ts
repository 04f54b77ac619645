import type { IncomingHttpHeaders } from "node:http";
import { NetworkReadError, secondsText } from "../network/deadline.js";
import { httpGet, urlForMessages, type HttpReply, type Validators } from "../network/http-get.js";
import type { EntryParser, ForgeRepo } from "./forge-repo.js";
import { sleepFor } from "../long-timer.js";
import { cachedPagesFrom, pageFromCache, pageToCache, readPage, type CachedPage, type PageContent } from "./listing-page.js";

/** Whose repositories: a user's, an organisation's (a GitLab group's), or the token owner's own. */
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
  repos: ForgeRepo[];
  /** every id the listing named, valid or not: an id missing here is gone upstream */
  ids: Set<string>;
  rejected: { entry: string; reason: string }[];
  requests: number;
}

export class ListingError extends Error {
  override readonly name = "ListingError";
}

/** How one forge's API is spoken; the paging, limits, cache and checks are the same for all. */
export interface ForgeListing {
  /** "GitHub", "Gitea", "GitLab": the start of every message */
  label: string;
  headers(token: string | undefined, userAgent: string): Record<string, string>;
  /** the first page of a scope; `selfLogin` is the token owner's login when `self` found it */
  firstUrl(api: string, scope: ListingScope, selfLogin: string | undefined): string;
  /** the token owner's login, when scopes need it to choose their URL (GitHub: /user) */
  self?: { path: string; needed: (scopes: readonly ListingScope[]) => boolean };
  parseEntry: EntryParser;
  /** the next page, from the answer's headers (Link rel="next", X-Next-Page) */
  nextUrl(headers: IncomingHttpHeaders, url: string): string | undefined;
  /** origins a clone URL may have; undefined: any (the token is scoped separately) */
  cloneOrigins?: readonly string[];
}

// Bounds against a hostile or broken API: 100 pages of 100 is 10 000 repositories. A real
// page of 100 repositories is under 1 MB of JSON.
const MAX_PAGES = 100;
export const MAX_PAGE_BYTES = 4 * 1024 * 1024;
const MAX_CACHED_PAGES = 4 * MAX_PAGES;

export function headerText(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return typeof v === "string" ? v : undefined;
}

/** RFC 8288 Link header: the target of rel="next". */
export function nextLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m?.[1]) return m[1];
  }
  return undefined;
}

/**
 * How long the API asks us to wait, if at all: retry-after, or the reset of an exhausted limit
 * (GitHub and Gitea: x-ratelimit-*; GitLab: ratelimit-*), or a minute for a bare 429.
 */
function rateLimitWaitMs(res: HttpReply, nowMs: number): number | undefined {
  const retryAfter = headerText(res.headers, "retry-after");
  if (retryAfter && /^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
  for (const prefix of ["x-ratelimit-", "ratelimit-"]) {
    if (headerText(res.headers, `${prefix}remaining`) === "0") {
      const reset = Number(headerText(res.headers, `${prefix}reset`));
      if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - nowMs);
      return 60_000;
    }
  }
  return res.status === 429 ? 60_000 : undefined;
}

/** The cache as read back from the state file: shape checked, bounded, bodies of old versions dropped. */
export function listingCacheFrom(raw: unknown): ListingCache {
  const r = (typeof raw === "object" && raw !== null ? raw : {}) as {
    pages?: unknown;
    self?: { etag?: unknown; lastModified?: unknown; login?: unknown };
  };
  const s = r.self;
  const text = (v: unknown): v is string => typeof v === "string" && v.length <= 512;
  const self =
    s && text(s.login) && (s.etag === undefined || text(s.etag)) && (s.lastModified === undefined || text(s.lastModified))
      ? { etag: s.etag as string | undefined, lastModified: s.lastModified as string | undefined, login: s.login }
      : undefined;
  return { pages: cachedPagesFrom(r.pages, MAX_CACHED_PAGES), self };
}

function cloneOriginProblem(repo: ForgeRepo, origins: readonly string[] | undefined): string | undefined {
  if (origins === undefined) return undefined;
  const origin = new URL(repo.cloneUrl).origin;
  return origins.includes(origin) ? undefined : `clone URL is not on the forge's host (${origins.join(", ")})`;
}

/**
 * Lists repositories through a forge's REST API: every page via the forge's next link (only on
 * the API's own origin, so the token never goes elsewhere), conditional requests with the
 * cached validators, and rate limits honoured: wait up to maxWaitMs, else stop with a clear
 * message. Every request has its own deadline and the whole listing one more, both enforced by
 * our own timers (see network/http-get.ts), and the signal ends it at once.
 */
export async function listForgeRepos(forge: ForgeListing, o: ListingOptions, scopes: readonly ListingScope[]): Promise<Listing> {
  const api = o.api.replace(/\/+$/, "");
  const origin = new URL(api).origin;
  const name = forge.label;
  const out: Listing = { repos: [], ids: new Set(), rejected: [], requests: 0 };
  const seen = new Set<string>();
  const used = new Set<string>();
  const requestMs = o.requestTimeoutMs ?? 60_000;
  const listingMs = o.listingTimeoutMs ?? 5 * 60_000 + o.maxWaitMs;
  const endMs = o.nowMs() + listingMs;
  const overLimit = (): ListingError =>
    new ListingError(`${name} listing took longer than its limit of ${secondsText(listingMs)}: stopped`);

  /** One GET with rate-limit waits: the reply, or undefined for "304, the cache is current". */
  const get = async (url: string, validators: Validators | undefined, maxBodyBytes = MAX_PAGE_BYTES): Promise<HttpReply | undefined> => {
    const shown = urlForMessages(url);
    for (let tries = 0; ; tries++) {
      const headers = forge.headers(o.token, o.userAgent ?? "chime-git-backup");
      const leftMs = endMs - o.nowMs();
      if (leftMs <= 0) throw overLimit();
      out.requests++;
      let res: HttpReply;
      try {
        res = await httpGet({ url, headers, validators, timeoutMs: Math.min(requestMs, leftMs), signal: o.signal, maxBodyBytes });
      } catch (err) {
        if (!(err instanceof NetworkReadError)) throw err;
        if (err.reason === "aborted") throw new ListingError(`${name} API request stopped by shutdown`);
        if (err.reason === "timeout" && leftMs < requestMs) throw overLimit();
        if (err.reason === "timeout") throw new ListingError(`${name} API ${shown}: no complete answer within ${secondsText(requestMs)}`);
        throw new ListingError(`${name} API ${err.message.replace(/^GET /, "")}`);
      }
      if (res.status === 304 && validators) return undefined;
      if (res.status === 403 || res.status === 429) {
        const wait = rateLimitWaitMs(res, o.nowMs());
        if (wait === undefined) throw new ListingError(`${name} API refused ${shown}: HTTP ${res.status}`);
        if (wait > o.maxWaitMs || wait >= endMs - o.nowMs() || tries >= 2) {
          const reset = new Date(o.nowMs() + wait).toISOString().replace(/\.\d+Z$/, "Z");
          throw new ListingError(`${name} API rate limit exhausted until ${reset}; listing skipped this run`);
        }
        await sleepFor(wait, o.signal);
        if (o.signal.aborted) throw new ListingError(`${name} API request stopped by shutdown`);
        continue;
      }
      if (res.status !== 200) throw new ListingError(`${name} API ${shown}: HTTP ${res.status}`);
      return res;
    }
  };

  let selfLogin: string | undefined;
  if (o.token && forge.self?.needed(scopes)) {
    // The user object is ~2 KB; a bound far below a page keeps its JSON.parse small too.
    const res = await get(`${api}${forge.self.path}`, o.cache.self, 64 * 1024);
    if (res === undefined) selfLogin = o.cache.self?.login;
    else {
      let login: unknown;
      try {
        login = (JSON.parse(res.body.toString("utf8")) as { login?: unknown } | null)?.login;
      } catch {
        throw new ListingError(`${name} API ${urlForMessages(res.url)}: response is not JSON`);
      }
      if (typeof login === "string" && login.length <= 100) {
        selfLogin = login;
        o.cache.self = res.validators.etag || res.validators.lastModified ? { ...res.validators, login } : undefined;
      }
    }
  }
  for (const scope of scopes) {
    let url: string | undefined = forge.firstUrl(api, scope, selfLogin);
    for (let page = 0; url !== undefined; page++) {
      if (page >= MAX_PAGES) throw new ListingError(`${name} API listing has more than ${MAX_PAGES} pages: refused`);
      if (new URL(url).origin !== origin) throw new ListingError(`${name} API Link points off the API origin: refused`);
      used.add(url);
      const cached: CachedPage | undefined = o.cache.pages[url];
      const res = await get(url, cached);
      let content: PageContent;
      let next: string | undefined;
      if (res === undefined && cached) {
        content = pageFromCache(cached);
        next = cached.next;
      } else if (res !== undefined) {
        const read = readPage(res.body.toString("utf8"), forge.parseEntry);
        if (typeof read === "string") throw new ListingError(`${name} API ${urlForMessages(url)}: ${read}`);
        // Checked before caching: what a 304 later stands for has passed every rule.
        const offHost = read.repos.filter((r) => cloneOriginProblem(r, forge.cloneOrigins) !== undefined);
        for (const r of offHost) read.rejected.push({ entry: JSON.stringify(r.name), reason: cloneOriginProblem(r, forge.cloneOrigins)! });
        read.repos = read.repos.filter((r) => !offHost.includes(r));
        content = read;
        next = forge.nextUrl(res.headers, url);
        if (res.validators.etag || res.validators.lastModified) o.cache.pages[url] = pageToCache(content, res.validators, next);
        else delete o.cache.pages[url];
      } else throw new ListingError(`${name} API ${urlForMessages(url)}: 304 for a page we have not seen`);
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
