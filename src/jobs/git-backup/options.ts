import { parseSwitch, SWITCH_WORDS } from "../switch-option.js";
import { accessSync, constants } from "node:fs";
import { resolve } from "node:path";
import { JobConfigError, type Environment } from "../job.js";
import type { ListingScope } from "./github-listing.js";
import { isPlainName } from "./forge-repo.js";
import { parseDurationMs } from "../../time/duration-option.js";
import { forgeSources, type ForgeSource } from "./forge-options.js";

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
}

const ENV_PREFIX = "CHIME_GIT_BACKUP_";
type Kind = "value" | "flag" | "list";
const OPTIONS: Record<string, Kind> = {
  concurrency: "value",
  timeout: "value",
  retries: "value",
  "retry-delay": "value",
  "fsck-every": "value",
  "prom-file": "value",
  "github-user": "list",
  "github-org": "list",
  "github-self": "flag",
  "github-token-file": "value",
  "github-api": "value",
  "include-forks": "flag",
  "exclude-archived": "flag",
  exclude: "list",
  "rate-limit-wait": "value",
  "gitea-api": "value",
  "gitea-user": "list",
  "gitea-org": "list",
  "gitea-self": "flag",
  "gitea-token-file": "value",
  "gitlab-api": "value",
  "gitlab-user": "list",
  "gitlab-group": "list",
  "gitlab-self": "flag",
  "gitlab-token-file": "value",
  wikis: "flag",
  gists: "flag",
  lfs: "flag",
};

export function envName(option: string): string {
  return ENV_PREFIX + option.toUpperCase().replace(/-/g, "_");
}

/** Any duration the project accepts ("90s", "10m", "1h30m", "7d", plain seconds). */
export function parseDuration(text: string, source: string): number {
  const ms = parseDurationMs(text);
  if (ms === null) throw new JobConfigError(`git-backup: bad duration in ${source}: ${JSON.stringify(text)} (e.g. 90s, 10m, 1h30m, 7d)`);
  return ms;
}

function parseCount(text: string, source: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new JobConfigError(`git-backup: ${source} must be a whole number from ${min} to ${max}: ${JSON.stringify(text)}`);
  }
  return Number(text);
}

function parseBool(text: string, source: string): boolean {
  const on = parseSwitch(text);
  if (on === null) throw new JobConfigError(`git-backup: ${source} must be ${SWITCH_WORDS}: ${JSON.stringify(text)}`);
  return on;
}

interface Raw {
  value: string;
  source: string;
}

/**
 * `DIR [options]`, each option also read from CHIME_GIT_BACKUP_<OPTION> (flags win over the
 * environment), the token from --github-token-file or GITHUB_TOKEN. Every error names the bad
 * value and where it came from.
 */
export function parseOptions(args: readonly string[], env: Environment, cwd = process.cwd()): GitBackupOptions {
  const given = new Map<string, Raw[]>();
  const positional: Raw[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    if (a === "--") {
      for (const p of args.slice(i + 1)) positional.push({ value: p, source: "argument" });
      break;
    }
    if (!a.startsWith("--") || a === "-") {
      if (a.startsWith("-") && a !== "-") throw new JobConfigError(`git-backup: unknown option ${a}`);
      positional.push({ value: a, source: "argument" });
      continue;
    }
    const eq = a.indexOf("=");
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const kind = OPTIONS[name];
    if (kind === undefined) throw new JobConfigError(`git-backup: unknown option --${name}`);
    let value: string;
    if (kind === "flag") {
      if (eq >= 0) throw new JobConfigError(`git-backup: option --${name} takes no value: ${a}`);
      value = "1";
    } else if (eq >= 0) value = a.slice(eq + 1);
    else {
      const v = args[++i];
      if (v === undefined) throw new JobConfigError(`git-backup: option --${name} needs a value`);
      value = v;
    }
    const list = given.get(name) ?? [];
    if (kind !== "list" && list.length > 0) throw new JobConfigError(`git-backup: option --${name} given twice`);
    given.set(name, [...list, { value, source: `--${name}` }]);
  }
  const one = (name: string): Raw | undefined => {
    const flag = given.get(name)?.[0];
    if (flag) return flag;
    const v = env[envName(name)];
    return v === undefined || v === "" ? undefined : { value: v, source: envName(name) };
  };
  const many = (name: string): Raw[] => {
    const flags = given.get(name);
    if (flags) return flags;
    const v = env[envName(name)];
    if (v === undefined) return [];
    return v
      .split(/[\s,]+/)
      .filter((x) => x !== "")
      .map((x) => ({ value: x, source: envName(name) }));
  };

  if (positional.length > 1) throw new JobConfigError(`git-backup: one DIR expected, got ${positional.length}: ${positional.map((p) => JSON.stringify(p.value)).join(" ")}`);
  const dirRaw = positional[0] ?? one("dir");
  if (!dirRaw || dirRaw.value === "") throw new JobConfigError(`git-backup: DIR missing (argument or ${envName("dir")})`);

  const duration = (name: string, dflt: number): number => {
    const r = one(name);
    return r ? parseDuration(r.value, r.source) : dflt;
  };
  const timeoutMs = duration("timeout", 10 * 60_000);
  if (timeoutMs < 1000) {
    const t = one("timeout");
    throw new JobConfigError(`git-backup: ${t?.source ?? "--timeout"} must be at least 1s: ${JSON.stringify(t?.value ?? "")}`);
  }
  const fsck = one("fsck-every");
  const scopes: ListingScope[] = [];
  for (const u of many("github-user")) {
    if (!isPlainName(u.value)) throw new JobConfigError(`git-backup: bad GitHub user name in ${u.source}: ${JSON.stringify(u.value)}`);
    scopes.push({ kind: "user", name: u.value });
  }
  for (const o of many("github-org")) {
    if (!isPlainName(o.value)) throw new JobConfigError(`git-backup: bad GitHub organisation name in ${o.source}: ${JSON.stringify(o.value)}`);
    scopes.push({ kind: "org", name: o.value });
  }
  const self = one("github-self");
  if (self && parseBool(self.value, self.source)) scopes.push({ kind: "self" });

  const apiRaw = one("github-api");
  const api = apiRaw?.value ?? "https://api.github.com";
  try {
    const u = new URL(api);
    if ((u.protocol !== "https:" && u.protocol !== "http:") || u.username || u.password) throw new Error("scheme");
  } catch {
    throw new JobConfigError(`git-backup: ${apiRaw?.source ?? "--github-api"} is not an http(s) URL without credentials: ${JSON.stringify(api)}`);
  }

  const tokenFileRaw = one("github-token-file");
  let tokenFile: string | undefined;
  let tokenSource: string | undefined;
  if (tokenFileRaw) {
    tokenFile = resolve(cwd, tokenFileRaw.value);
    try {
      accessSync(tokenFile, constants.R_OK);
    } catch (err) {
      throw new JobConfigError(`git-backup: cannot read token file ${tokenFileRaw.value} (${tokenFileRaw.source}): ${(err as NodeJS.ErrnoException).code ?? "error"}`);
    }
    tokenSource = tokenFileRaw.source;
  } else if (env.GITHUB_TOKEN) tokenSource = "GITHUB_TOKEN";
  if (scopes.some((s) => s.kind === "self") && tokenSource === undefined) {
    throw new JobConfigError("git-backup: --github-self needs a token (--github-token-file or GITHUB_TOKEN)");
  }
  const prom = one("prom-file");
  const retries = one("retries");
  const conc = one("concurrency");
  const flag = (name: string): boolean => {
    const r = one(name);
    return r ? parseBool(r.value, r.source) : false;
  };
  return {
    dir: resolve(cwd, dirRaw.value),
    concurrency: conc ? parseCount(conc.value, conc.source, 1, 64) : 4,
    timeoutMs,
    retries: retries ? parseCount(retries.value, retries.source, 0, 10) : 2,
    retryDelayMs: duration("retry-delay", 2000),
    fsckEveryMs: fsck ? parseDuration(fsck.value, fsck.source) : undefined,
    promFile: prom ? resolve(cwd, prom.value) : undefined,
    scopes,
    tokenFile,
    tokenSource,
    api,
    includeForks: flag("include-forks"),
    excludeArchived: flag("exclude-archived"),
    exclude: many("exclude").map((e) => e.value),
    rateLimitWaitMs: duration("rate-limit-wait", 60_000),
    forges: forgeSources(one, many, flag, env, cwd),
    wikis: flag("wikis"),
    gists: flag("gists"),
    lfs: flag("lfs"),
  };
}
