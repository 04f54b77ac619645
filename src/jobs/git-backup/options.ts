import { accessSync, constants } from "node:fs";
import { resolve } from "node:path";
import { redactText } from "../../log/redact.js";
import type { OptionSpec } from "../../options/option-spec.js";
import { readOptions, type OptionLayers } from "../../options/read-options.js";
import { JobConfigError, type Environment } from "../job.js";
import type { ListingScope } from "./github-listing.js";
import { isPlainName } from "./forge-repo.js";
import { forgeSources, type ForgeSource, type RawOption } from "./forge-options.js";

export interface GitBackupOptions {
  dir: string;
  concurrency: number;
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
  fsckEveryMs: number | undefined;
  promFile: string | undefined;
  scopes: ListingScope[];
  tokenFile: string | undefined;
  /** where the token came from, for messages: "--github-token-file", "GITHUB_TOKEN" */
  tokenSource: string | undefined;
  api: string;
  includeForks: boolean;
  excludeArchived: boolean;
  exclude: string[];
  rateLimitWaitMs: number;
  /** Gitea/Forgejo and GitLab instances to list */
  forges: ForgeSource[];
  wikis: boolean;
  gists: boolean;
  lfs: boolean;
  /** fetch every mirror, without first asking its upstream whether anything changed */
  fetchAlways: boolean;
}

/** DIR may come from the environment too (envdir), like every option. */
export const DIR_ENV = "CHIME_GIT_BACKUP_DIR";

export const OPTIONS: readonly OptionSpec[] = [
  {
    name: "concurrency",
    kind: "count",
    env: "CHIME_GIT_BACKUP_CONCURRENCY",
    default: "4",
    min: 1,
    max: 64,
    help: "fetches (and other network gits) at once",
    doc: "fetches (and other network gits, and fsck) at once (1–64); twice as many mirrors do their local steps meanwhile",
  },
  {
    name: "timeout",
    kind: "duration",
    env: "CHIME_GIT_BACKUP_TIMEOUT",
    default: "10m",
    min: 1000,
    help: "wall-clock limit per mirror, git killed after it",
    doc: "wall-clock limit per mirror, retries included; git is killed after it (at least 1s)",
  },
  {
    name: "retries",
    kind: "count",
    env: "CHIME_GIT_BACKUP_RETRIES",
    default: "2",
    min: 0,
    max: 10,
    help: "retries of transient failures, with back-off",
    doc: "retries of transient failures (0–10)",
  },
  {
    name: "retry-delay",
    kind: "duration",
    env: "CHIME_GIT_BACKUP_RETRY_DELAY",
    default: "2s",
    help: "first back-off (then x4)",
    doc: "first back-off, then ×4",
  },
  {
    name: "fsck-every",
    kind: "duration",
    env: "CHIME_GIT_BACKUP_FSCK_EVERY",
    help: "full git fsck of each mirror this often (default never)",
    doc: "full `git fsck` of each mirror this often (default: never)",
  },
  { name: "prom-file", kind: "text", value: "PATH", env: "CHIME_GIT_BACKUP_PROM_FILE", help: "Prometheus metrics, written atomically" },
  {
    name: "github-user",
    kind: "list",
    value: "NAME",
    env: "CHIME_GIT_BACKUP_GITHUB_USER",
    help: "clone missing mirrors of NAME's repositories (repeatable)",
    doc: "list NAME's repositories (repeatable; variable: comma-separated)",
  },
  {
    name: "github-org",
    kind: "list",
    value: "NAME",
    env: "CHIME_GIT_BACKUP_GITHUB_ORG",
    help: "clone missing mirrors of organisation NAME's repositories (repeatable)",
    doc: "list an organisation's repositories (repeatable; variable: comma-separated)",
  },
  {
    name: "github-self",
    kind: "switch",
    env: "CHIME_GIT_BACKUP_GITHUB_SELF",
    help: "clone missing mirrors of the token owner's repositories",
    doc: "list the token owner's repositories, private ones included",
  },
  {
    name: "github-token-file",
    kind: "text",
    value: "FILE",
    env: "CHIME_GIT_BACKUP_GITHUB_TOKEN_FILE",
    help: "token for the API and https fetches (else GITHUB_TOKEN)",
    doc: "token for the API and for https fetches (default: the `GITHUB_TOKEN` variable)",
  },
  {
    name: "github-api",
    kind: "text",
    value: "URL",
    env: "CHIME_GIT_BACKUP_GITHUB_API",
    default: "https://api.github.com",
    help: "API base",
    doc: "GitHub Enterprise: `https://HOST/api/v3`",
  },
  { name: "include-forks", kind: "switch", env: "CHIME_GIT_BACKUP_INCLUDE_FORKS", help: "also mirror forks", doc: "also clone forks" },
  {
    name: "exclude-archived",
    kind: "switch",
    env: "CHIME_GIT_BACKUP_EXCLUDE_ARCHIVED",
    help: "skip archived repositories",
    doc: "do not clone archived repositories",
  },
  {
    name: "exclude",
    kind: "list",
    value: "PATTERN",
    env: "CHIME_GIT_BACKUP_EXCLUDE",
    help: "skip repositories whose name matches (* and ?; repeatable)",
    doc: "do not clone names matching (`*`, `?`; repeatable; variable: comma-separated)",
  },
  {
    name: "rate-limit-wait",
    kind: "duration",
    env: "CHIME_GIT_BACKUP_RATE_LIMIT_WAIT",
    default: "60s",
    help: "longest wait for an API rate-limit reset",
  },
  {
    name: "gitea-user",
    kind: "list",
    value: "NAME",
    env: "CHIME_GIT_BACKUP_GITEA_USER",
    help: "clone missing mirrors of a Gitea/Forgejo user's repositories (repeatable)",
    doc: "list a Gitea/Forgejo user's repositories (repeatable)",
  },
  {
    name: "gitea-org",
    kind: "list",
    value: "NAME",
    env: "CHIME_GIT_BACKUP_GITEA_ORG",
    help: "... of an organisation's (repeatable)",
    doc: "list a Gitea/Forgejo organisation's repositories (repeatable)",
  },
  {
    name: "gitea-self",
    kind: "switch",
    env: "CHIME_GIT_BACKUP_GITEA_SELF",
    help: "... of the token owner's",
    doc: "list the token owner's repositories (`/user/repos`)",
  },
  // no default here: an API given without anything to list is an error (forge-options.ts)
  {
    name: "gitea-api",
    kind: "text",
    value: "URL",
    env: "CHIME_GIT_BACKUP_GITEA_API",
    help: "Gitea/Forgejo API base (default https://codeberg.org/api/v1)",
    doc: "your instance: `https://HOST/api/v1` (default `https://codeberg.org/api/v1`)",
  },
  {
    name: "gitea-token-file",
    kind: "text",
    value: "FILE",
    env: "CHIME_GIT_BACKUP_GITEA_TOKEN_FILE",
    help: "token for it (else GITEA_TOKEN)",
    doc: "token for that API and its https fetches (default: the `GITEA_TOKEN` variable)",
  },
  {
    name: "gitlab-user",
    kind: "list",
    value: "NAME",
    env: "CHIME_GIT_BACKUP_GITLAB_USER",
    help: "clone missing mirrors of a GitLab user's projects (repeatable)",
    doc: "list a GitLab user's projects (repeatable)",
  },
  {
    name: "gitlab-group",
    kind: "list",
    value: "PATH",
    env: "CHIME_GIT_BACKUP_GITLAB_GROUP",
    help: "... of a group's, subgroups included (e.g. grp/sub; repeatable)",
    doc: "list a group's projects, subgroups included; `grp/sub` for a subgroup (repeatable)",
  },
  {
    name: "gitlab-self",
    kind: "switch",
    env: "CHIME_GIT_BACKUP_GITLAB_SELF",
    help: "... of the token owner's",
    doc: "list the token owner's projects (`/projects?owned=true`)",
  },
  {
    name: "gitlab-api",
    kind: "text",
    value: "URL",
    env: "CHIME_GIT_BACKUP_GITLAB_API",
    help: "GitLab API base (default https://gitlab.com/api/v4)",
    doc: "your instance: `https://HOST/api/v4` (default `https://gitlab.com/api/v4`)",
  },
  {
    name: "gitlab-token-file",
    kind: "text",
    value: "FILE",
    env: "CHIME_GIT_BACKUP_GITLAB_TOKEN_FILE",
    help: "token for it (else GITLAB_TOKEN)",
    doc: "token for that API and its https fetches (default: the `GITLAB_TOKEN` variable)",
  },
  {
    name: "wikis",
    kind: "switch",
    env: "CHIME_GIT_BACKUP_WIKIS",
    help: "also mirror each listed repository's wiki (NAME.wiki.git) once it has a page",
    doc: "also mirror each listed repository's wiki as `NAME.wiki.git`",
  },
  {
    name: "gists",
    kind: "switch",
    env: "CHIME_GIT_BACKUP_GISTS",
    help: "also mirror the gists of each --github-user (and --github-self)",
    doc: "also mirror the gists of each `--github-user` (and `--github-self`) as `gist-ID.git`",
  },
  {
    name: "lfs",
    kind: "switch",
    env: "CHIME_GIT_BACKUP_LFS",
    help: "after each fetch, fetch every Git LFS object (needs git-lfs)",
    doc: "after each fetch, `git lfs fetch --all` (needs Debian's `git-lfs`)",
  },
  {
    name: "fetch-always",
    kind: "switch",
    env: "CHIME_GIT_BACKUP_FETCH_ALWAYS",
    help: "fetch every mirror, without asking its upstream first whether anything changed",
    doc: "run `git fetch` for every mirror, even when its git:// or http(s) upstream advertises exactly the refs the mirror has (for a host whose git reaches upstreams through a proxy or URL rewrite in its git config)",
  },
];

/**
 * `DIR [options]`, each option also from its CHIME_GIT_BACKUP_* variable (option-layer order:
 * flag, environment, config file, default), the token from --github-token-file or
 * GITHUB_TOKEN. Every error names the bad value and where it came from.
 */
export function parseOptions(
  args: readonly string[],
  env: Environment,
  cwd = process.cwd(),
  config?: OptionLayers["config"],
): GitBackupOptions {
  const o = readOptions("git-backup", OPTIONS, { args, env, ...(config ? { config } : {}) });
  const fail = (source: string, why: string, text: string): never => {
    throw new JobConfigError(`git-backup: ${source}: ${why}: ${JSON.stringify(text)}`);
  };

  if (o.positionals.length > 1)
    throw new JobConfigError(
      `git-backup: one DIR expected, got ${o.positionals.length}: ${o.positionals.map((p) => JSON.stringify(p)).join(" ")}`,
    );
  const dir = o.positionals[0] ?? (env[DIR_ENV] || undefined);
  if (dir === undefined || dir === "") throw new JobConfigError(`git-backup: DIR missing (argument or ${DIR_ENV})`);

  const scopes: ListingScope[] = [];
  for (const name of o.list("github-user")) {
    if (!isPlainName(name)) fail(o.source("github-user"), "not a GitHub user name", name);
    scopes.push({ kind: "user", name });
  }
  for (const name of o.list("github-org")) {
    if (!isPlainName(name)) fail(o.source("github-org"), "not a GitHub organisation name", name);
    scopes.push({ kind: "org", name });
  }
  if (o.switch("github-self")) scopes.push({ kind: "self" });

  const api = o.text("github-api")!;
  try {
    const u = new URL(api);
    if ((u.protocol !== "https:" && u.protocol !== "http:") || u.username || u.password) throw new Error("scheme");
  } catch {
    // the one redactor: a URL with a password in it must not reach the log through this error
    fail(o.source("github-api"), "not an http(s) URL without credentials", redactText(api));
  }

  const tokenFileText = o.text("github-token-file");
  let tokenFile: string | undefined;
  let tokenSource: string | undefined;
  if (tokenFileText !== undefined) {
    tokenFile = resolve(cwd, tokenFileText);
    try {
      accessSync(tokenFile, constants.R_OK);
    } catch (err) {
      fail(o.source("github-token-file"), `cannot read the token file (${(err as NodeJS.ErrnoException).code ?? "error"})`, tokenFileText);
    }
    tokenSource = o.source("github-token-file");
  } else if (env.GITHUB_TOKEN) tokenSource = "GITHUB_TOKEN";
  if (scopes.some((s) => s.kind === "self") && tokenSource === undefined) {
    throw new JobConfigError(`git-backup: ${o.source("github-self")}: needs a token (--github-token-file or GITHUB_TOKEN)`);
  }
  // Gists are listed per GitHub user (--github-org has none): without one, --gists would
  // quietly mirror nothing, which reads as a backup that is not there.
  if (o.switch("gists") && !scopes.some((s) => s.kind !== "org")) {
    throw new JobConfigError(`git-backup: ${o.source("gists")}: needs --github-user or --github-self (the user whose gists to mirror)`);
  }
  const promFile = o.text("prom-file");
  const one = (name: string): RawOption | undefined => {
    const value = o.text(name);
    return value === undefined ? undefined : { value, source: o.source(name) };
  };
  const many = (name: string): RawOption[] => o.list(name).map((value) => ({ value, source: o.source(name) }));
  return {
    dir: resolve(cwd, dir),
    concurrency: o.count("concurrency"),
    timeoutMs: o.duration("timeout"),
    retries: o.count("retries"),
    retryDelayMs: o.duration("retry-delay"),
    fsckEveryMs: o.has("fsck-every") ? o.duration("fsck-every") : undefined,
    promFile: promFile === undefined ? undefined : resolve(cwd, promFile),
    scopes,
    tokenFile,
    tokenSource,
    api,
    includeForks: o.switch("include-forks"),
    excludeArchived: o.switch("exclude-archived"),
    exclude: o.list("exclude"),
    rateLimitWaitMs: o.duration("rate-limit-wait"),
    forges: forgeSources(one, many, (name) => o.switch(name), env, cwd),
    wikis: o.switch("wikis"),
    gists: o.switch("gists"),
    lfs: o.switch("lfs"),
    fetchAlways: o.switch("fetch-always"),
  };
}
