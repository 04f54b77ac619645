import { headerText, nextLink, type ForgeListing } from "./forge-listing.js";
import { parseGithubRepo } from "./forge-repo.js";

// Gitea's default [api] MAX_RESPONSE_ITEMS: a larger limit is cut to it anyway.
const LIMIT = 50;

/**
 * Gitea and Forgejo (Codeberg): /api/v1/users/{u}/repos, /orgs/{o}/repos, /user/repos, pages
 * by `page` and `limit` chained by the Link header, token sent as `Authorization: token …`.
 * A clone URL must be on the API's own origin: the listing names where the token goes.
 */
export function giteaApi(api: string): ForgeListing {
  return {
    label: "Gitea",
    headers: (token, userAgent) => ({
      accept: "application/json",
      "user-agent": userAgent,
      ...(token ? { authorization: `token ${token}` } : {}),
    }),
    firstUrl(base, scope) {
      if (scope.kind === "self") return `${base}/user/repos?limit=${LIMIT}`;
      const kind = scope.kind === "org" ? "orgs" : "users";
      return `${base}/${kind}/${encodeURIComponent(scope.name)}/repos?limit=${LIMIT}`;
    },
    parseEntry: parseGithubRepo,
    nextUrl: (headers) => nextLink(headerText(headers, "link")),
    cloneOrigins: [new URL(api).origin],
  };
}
