import {
  headerText,
  listForgeRepos,
  nextLink,
  type ForgeListing,
  type Listing,
  type ListingOptions,
  type ListingScope,
} from "./forge-listing.js";
import { MAX_PAGE_ENTRIES } from "./listing-page.js";
import { parseGist, parseGithubRepo } from "./forge-repo.js";

export {
  ListingError,
  listingCacheFrom,
  MAX_PAGE_BYTES,
  type Listing,
  type ListingCache,
  type ListingOptions,
  type ListingScope,
} from "./forge-listing.js";

const githubHeaders = (token: string | undefined, userAgent: string): Record<string, string> => ({
  accept: "application/vnd.github+json",
  "x-github-api-version": "2022-11-28",
  "user-agent": userAgent,
  ...(token ? { authorization: `Bearer ${token}` } : {}),
});

const isMe = (scope: ListingScope, selfLogin: string | undefined): boolean =>
  scope.kind === "self" || (scope.kind === "user" && selfLogin !== undefined && selfLogin.toLowerCase() === scope.name.toLowerCase());

/**
 * GitHub's REST API: /users/{u}/repos (public only), /orgs/{o}/repos, and /user/repos, the only
 * one that lists the token owner's private repositories, used when the user is the token's.
 * Clone URLs may be anywhere: the token is scoped to the API's git host (see tokenOrigin).
 */
export const GITHUB_API: ForgeListing = {
  label: "GitHub",
  headers: githubHeaders,
  firstUrl(api, scope, selfLogin) {
    const perPage = `per_page=${MAX_PAGE_ENTRIES}`;
    if (scope.kind === "org") return `${api}/orgs/${encodeURIComponent(scope.name)}/repos?type=all&${perPage}`;
    if (isMe(scope, selfLogin)) return `${api}/user/repos?affiliation=owner&visibility=all&${perPage}`;
    return `${api}/users/${encodeURIComponent((scope as { name: string }).name)}/repos?type=owner&${perPage}`;
  },
  self: { path: "/user", needed: (scopes) => scopes.some((s) => s.kind === "user") },
  parseEntry: parseGithubRepo,
  nextUrl: (headers) => nextLink(headerText(headers, "link")),
};

/** A user's gists (/users/{u}/gists; the token owner's own, secret ones too, at /gists). */
export const GITHUB_GISTS: ForgeListing = {
  ...GITHUB_API,
  label: "GitHub gists",
  firstUrl(api, scope, selfLogin) {
    const perPage = `per_page=${MAX_PAGE_ENTRIES}`;
    if (isMe(scope, selfLogin)) return `${api}/gists?${perPage}`;
    return `${api}/users/${encodeURIComponent((scope as { name: string }).name)}/gists?${perPage}`;
  },
  self: { path: "/user", needed: (scopes) => scopes.some((s) => s.kind === "user") },
  parseEntry: parseGist,
};

export function listGithubRepos(o: ListingOptions, scopes: readonly ListingScope[]): Promise<Listing> {
  return listForgeRepos(GITHUB_API, o, scopes);
}
