import { accessSync, constants } from "node:fs";
import { resolve } from "node:path";
import { JobConfigError } from "../job.js";
import type { ListingScope } from "./forge-listing.js";
import { isPlainName } from "./forge-repo.js";

/** A Gitea/Forgejo or GitLab instance to list, from --gitea-* / --gitlab-*. */
export interface ForgeSource {
  kind: "gitea" | "gitlab";
  api: string;
  scopes: ListingScope[];
  tokenFile: string | undefined;
  /** the variable read when there is no token file: GITEA_TOKEN, GITLAB_TOKEN */
  tokenVariable: string;
}

export interface RawOption {
  value: string;
  source: string;
}

export const DEFAULT_API = { gitea: "https://codeberg.org/api/v1", gitlab: "https://gitlab.com/api/v4" } as const;

/** GitLab group paths nest: "group/sub/subsub", each part a plain name. */
const isGroupPath = (p: string): boolean => p.length <= 255 && p.split("/").every(isPlainName);

export function checkApiUrl(api: string, source: string): string {
  try {
    const u = new URL(api);
    if ((u.protocol !== "https:" && u.protocol !== "http:") || u.username || u.password) throw new Error("scheme");
  } catch {
    throw new JobConfigError(`git-backup: ${source} is not an http(s) URL without credentials: ${JSON.stringify(api)}`);
  }
  return api.replace(/\/+$/, "");
}

/**
 * --gitea-user/org/self, --gitlab-user/group/self with their --*-api and --*-token-file, read
 * through the job's own option accessors (flag, then CHIME_GIT_BACKUP_* environment).
 */
export function forgeSources(
  one: (name: string) => RawOption | undefined,
  many: (name: string) => RawOption[],
  flag: (name: string) => boolean,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): ForgeSource[] {
  const out: ForgeSource[] = [];
  for (const kind of ["gitea", "gitlab"] as const) {
    const scopes: ListingScope[] = [];
    for (const u of many(`${kind}-user`)) {
      if (!isPlainName(u.value))
        throw new JobConfigError(
          `git-backup: bad ${kind === "gitea" ? "Gitea" : "GitLab"} user name in ${u.source}: ${JSON.stringify(u.value)}`,
        );
      scopes.push({ kind: "user", name: u.value });
    }
    const groupOption = kind === "gitea" ? "gitea-org" : "gitlab-group";
    for (const g of many(groupOption)) {
      const ok = kind === "gitea" ? isPlainName(g.value) : isGroupPath(g.value);
      if (!ok)
        throw new JobConfigError(
          `git-backup: bad ${kind === "gitea" ? "Gitea organisation" : "GitLab group"} name in ${g.source}: ${JSON.stringify(g.value)}`,
        );
      scopes.push({ kind: "org", name: g.value });
    }
    if (flag(`${kind}-self`)) scopes.push({ kind: "self" });
    const apiRaw = one(`${kind}-api`);
    const tokenRaw = one(`${kind}-token-file`);
    const tokenVariable = kind === "gitea" ? "GITEA_TOKEN" : "GITLAB_TOKEN";
    if (scopes.length === 0) {
      if (apiRaw || tokenRaw)
        throw new JobConfigError(
          `git-backup: ${(apiRaw ?? tokenRaw)!.source} given without a ${kind} user, ${kind === "gitea" ? "org" : "group"} or self to list`,
        );
      continue;
    }
    const api = checkApiUrl(apiRaw?.value ?? DEFAULT_API[kind], apiRaw?.source ?? `--${kind}-api`);
    let tokenFile: string | undefined;
    if (tokenRaw) {
      tokenFile = resolve(cwd, tokenRaw.value);
      try {
        accessSync(tokenFile, constants.R_OK);
      } catch (err) {
        throw new JobConfigError(
          `git-backup: cannot read token file ${tokenRaw.value} (${tokenRaw.source}): ${(err as NodeJS.ErrnoException).code ?? "error"}`,
        );
      }
    }
    if (scopes.some((s) => s.kind === "self") && tokenFile === undefined && !env[tokenVariable]) {
      throw new JobConfigError(`git-backup: --${kind}-self needs a token (--${kind}-token-file or ${tokenVariable})`);
    }
    out.push({ kind, api, scopes, tokenFile, tokenVariable });
  }
  return out;
}
