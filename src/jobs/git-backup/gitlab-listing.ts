import { headerText, nextLink, type ForgeListing } from "./forge-listing.js";
import { parseGitlabProject } from "./forge-repo.js";

/**
 * The next page of a GitLab listing: the Link header's rel="next" (keyset and offset paging
 * both send it), else X-Next-Page (offset paging; empty on the last page) applied to this URL.
 */
function gitlabNext(headers: Parameters<ForgeListing["nextUrl"]>[0], url: string): string | undefined {
  const link = nextLink(headerText(headers, "link"));
  if (link !== undefined) return link;
  const page = headerText(headers, "x-next-page");
  if (page === undefined || !/^[1-9]\d{0,5}$/.test(page)) return undefined;
  const u = new URL(url);
  u.searchParams.set("page", page);
  return u.href;
}

/**
 * GitLab: /api/v4/users/{u}/projects, /groups/{g}/projects?include_subgroups=true (g may be a
 * subgroup path "a/b", URL-encoded as one segment), /projects?owned=true for the token owner,
 * 100 per page ordered by id, token as PRIVATE-TOKEN. Clone URLs only on the API's origin.
 */
export function gitlabApi(api: string): ForgeListing {
  return {
    label: "GitLab",
    headers: (token, userAgent) => ({ accept: "application/json", "user-agent": userAgent, ...(token ? { "private-token": token } : {}) }),
    firstUrl(base, scope) {
      const page = "per_page=100&order_by=id&sort=asc";
      if (scope.kind === "self") return `${base}/projects?owned=true&${page}&pagination=keyset`;
      if (scope.kind === "org") return `${base}/groups/${encodeURIComponent(scope.name)}/projects?include_subgroups=true&${page}`;
      return `${base}/users/${encodeURIComponent(scope.name)}/projects?${page}`;
    },
    parseEntry: parseGitlabProject,
    nextUrl: gitlabNext,
    cloneOrigins: [new URL(api).origin],
  };
}
