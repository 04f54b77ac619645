import { readFile } from "node:fs/promises";
import type { Environment } from "../job.js";
import type { BackupState } from "./backup-state.js";
import type { PlannedRepo } from "./discovery-plan.js";
import { wanted } from "./discovery-plan.js";
import { listForgeRepos, type ForgeListing, type ListingCache, type ListingScope } from "./forge-listing.js";
import type { HttpCredential } from "./git-environment.js";
import { giteaApi } from "./gitea-listing.js";
import { GITHUB_API, GITHUB_GISTS } from "./github-listing.js";
import { wikiUrl } from "./forge-repo.js";
import { gitlabApi } from "./gitlab-listing.js";
import { forgePrefix, WIKI_SUFFIX } from "./mirror-key.js";
import type { GitBackupOptions } from "./options.js";
import { redactText } from "../../log/redact.js";

/** One listing of the run: a forge (or GitHub's gists) with its scopes, token and cache. */
interface Source {
  prefix: string;
  forge: ForgeListing;
  api: string;
  scopes: ListingScope[];
  cache: ListingCache;
  /** the variable or file the token comes from; undefined: no token */
  token: () => Promise<string | undefined>;
  tokenSource: string | undefined;
  /** where that token may go on git fetches (scheme://host[:port]/), and as which user */
  tokenOrigins: string[];
  gitUser: string | undefined;
  /** repositories of this listing may have wikis (not gists) */
  hasWikis: boolean;
}

export interface ForgeDiscovery {
  /** some listing was configured: without one, every mirror in DIR is just fetched */
  configured: boolean;
  planned: PlannedRepo[];
  listedKeys: Set<string>;
  /** a key whose listing succeeded this run: only such a mirror can be "gone upstream" */
  covered: (key: string) => boolean;
  credentials: HttpCredential[];
  secrets: string[];
  errors: string[];
  rejected: { forge: string; entry: string; reason: string }[];
}

/**
 * The one origin the token is sent to on git fetches: the API's own git host, github.com for
 * api.github.com, and for GitHub Enterprise (`https://HOST/api/v3`) the API's origin itself —
 * same scheme, host and port. A `clone_url` the listing names elsewhere is fetched without it:
 * the listing is the API's word, and a compromised or hostile API must not be able to send the
 * token to a host of its choosing.
 */
export function tokenOrigin(api: string): string {
  const u = new URL(api);
  return `${u.hostname === "api.github.com" ? "https://github.com" : u.origin}/`;
}

/** Where gists are cloned from: gist.github.com for api.github.com, else the Enterprise host. */
function gistOrigin(api: string): string {
  const u = new URL(api);
  return `${u.hostname === "api.github.com" ? "https://gist.github.com" : u.origin}/`;
}

const fromFileOrEnv = (file: string | undefined, env: Environment, variable: string) => async (): Promise<string | undefined> =>
  file !== undefined ? (await readFile(file, "utf8")).trim() || undefined : env[variable]?.trim() || undefined;

function sources(o: GitBackupOptions, env: Environment, state: BackupState): Source[] {
  const out: Source[] = [];
  const githubToken = fromFileOrEnv(o.tokenFile, env, "GITHUB_TOKEN");
  if (o.scopes.length > 0) {
    out.push({
      prefix: forgePrefix("github", o.api),
      forge: GITHUB_API,
      api: o.api,
      scopes: o.scopes,
      cache: state.github,
      token: githubToken,
      tokenSource: o.tokenSource,
      tokenOrigins: [tokenOrigin(o.api)],
      gitUser: undefined,
      hasWikis: true,
    });
    const gistScopes = o.scopes.filter((s) => s.kind !== "org");
    if (o.gists && gistScopes.length > 0) {
      out.push({
        prefix: forgePrefix("github", o.api),
        forge: { ...GITHUB_GISTS, cloneOrigins: [gistOrigin(o.api).slice(0, -1)] },
        api: o.api,
        scopes: gistScopes,
        cache: listingCache(state, "github gists"),
        token: githubToken,
        tokenSource: o.tokenSource,
        tokenOrigins: [gistOrigin(o.api)],
        gitUser: undefined,
        hasWikis: false,
      });
    }
  }
  for (const f of o.forges) {
    const prefix = forgePrefix(f.kind, f.api);
    out.push({
      prefix,
      forge: f.kind === "gitea" ? giteaApi(f.api) : gitlabApi(f.api),
      api: f.api,
      scopes: f.scopes,
      cache: listingCache(state, prefix),
      token: fromFileOrEnv(f.tokenFile, env, f.tokenVariable),
      tokenSource: f.tokenFile !== undefined ? `--${f.kind}-token-file` : env[f.tokenVariable] ? f.tokenVariable : undefined,
      tokenOrigins: [`${new URL(f.api).origin}/`],
      // GitLab takes a token as the password of user "oauth2"; GitHub and Gitea of any user
      gitUser: f.kind === "gitlab" ? "oauth2" : undefined,
      hasWikis: true,
    });
  }
  return out;
}

/** Every configured listing, one after the other; a failed one leaves its mirrors to a plain fetch. */
export async function discoverForges(
  o: GitBackupOptions,
  env: Environment,
  state: BackupState,
  run: { signal: AbortSignal; nowMs: () => number },
): Promise<ForgeDiscovery> {
  const list = sources(o, env, state);
  const d: ForgeDiscovery = {
    configured: list.length > 0,
    planned: [],
    listedKeys: new Set(),
    covered: () => false,
    credentials: [],
    secrets: [],
    errors: [],
    rejected: [],
  };
  const done = new Set<string>();
  for (const s of list) {
    let token: string | undefined;
    try {
      token = await s.token();
    } catch (err) {
      d.errors.push(`cannot read token file (${s.tokenSource}): ${(err as NodeJS.ErrnoException).code ?? "error"}`);
      continue;
    }
    if (token) {
      d.secrets.push(token);
      for (const origin of s.tokenOrigins) {
        if (!d.credentials.some((c) => c.urlPrefix === origin && c.token === token))
          d.credentials.push({ urlPrefix: origin, token, ...(s.gitUser ? { user: s.gitUser } : {}) });
      }
    }
    try {
      const listing = await listForgeRepos(
        s.forge,
        { api: s.api, token, cache: s.cache, signal: run.signal, maxWaitMs: o.rateLimitWaitMs, nowMs: run.nowMs },
        s.scopes,
      );
      for (const r of listing.rejected) d.rejected.push({ forge: s.forge.label, ...r });
      for (const id of listing.ids) d.listedKeys.add(`${s.prefix} ${id}`);
      for (const repo of listing.repos) {
        const key = `${s.prefix} ${repo.id}`;
        d.planned.push({ key, repo });
        // A wiki's branch is its own (GitHub's are "master"): HEAD follows upstream after the first fetch.
        if (o.wikis && s.hasWikis && repo.hasWiki && wanted(repo, o)) {
          d.listedKeys.add(key + WIKI_SUFFIX);
          d.planned.push({
            key: key + WIKI_SUFFIX,
            repo: { ...repo, name: `${repo.name}.wiki`, cloneUrl: wikiUrl(repo.cloneUrl), hasWiki: false, defaultBranch: undefined },
            probe: true,
          });
        }
      }
      done.add(`${s.prefix} ${s.hasWikis ? "repos" : "gists"}`);
    } catch (err) {
      d.errors.push(redactText((err as Error).message, d.secrets));
    }
  }
  d.covered = (key) => {
    const source = list.find((s) => key.startsWith(`${s.prefix} `));
    if (source === undefined) return false;
    const rest = key.slice(source.prefix.length + 1);
    if (rest.startsWith("gist:")) return done.has(`${source.prefix} gists`);
    if (rest.endsWith(WIKI_SUFFIX)) return o.wikis && done.has(`${source.prefix} repos`);
    return done.has(`${source.prefix} repos`);
  };
  return d;
}

/** The cached pages of one listing, created empty the first time. */
function listingCache(state: BackupState, key: string): ListingCache {
  let cache = state.listings[key];
  if (cache === undefined) {
    cache = { pages: {} };
    state.listings[key] = cache;
  }
  return cache;
}
