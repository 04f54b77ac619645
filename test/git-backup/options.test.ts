import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { gitBackupSpec } from "../../src/jobs/git-backup/spec.js";
import { OPTIONS, parseOptions } from "../../src/jobs/git-backup/options.js";
import { JobConfigError } from "../../src/jobs/job.js";
import { runChime } from "../cli/chime-spawn.js";

const create =
  (args: string[], env: Record<string, string> = {}) =>
  () =>
    gitBackupSpec.create(args, env);

describe("git-backup DIR [options] and CHIME_GIT_BACKUP_* variables", () => {
  const tmp = mkdtempSync(join(tmpdir(), "chime-gb-opts-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  test("defaults: concurrency 4, 10 minute timeout, 2 retries, no discovery", () => {
    const o = parseOptions(["/srv/backup"], {});
    expect(o).toMatchObject({
      dir: "/srv/backup",
      concurrency: 4,
      timeoutMs: 600_000,
      retries: 2,
      scopes: [],
      promFile: undefined,
      fsckEveryMs: undefined,
    });
    expect(o.api).toBe("https://api.github.com");
  });

  test("every option can come from the environment; a flag wins over its variable", () => {
    const env = {
      CHIME_GIT_BACKUP_DIR: "/srv/b",
      CHIME_GIT_BACKUP_CONCURRENCY: "8",
      CHIME_GIT_BACKUP_TIMEOUT: "1h30m",
      CHIME_GIT_BACKUP_FSCK_EVERY: "7d",
      CHIME_GIT_BACKUP_GITHUB_ORG: "acme",
      CHIME_GIT_BACKUP_EXCLUDE: "tmp-*, old?",
      CHIME_GIT_BACKUP_EXCLUDE_ARCHIVED: "1",
    };
    const o = parseOptions([], env);
    expect(o).toMatchObject({ dir: "/srv/b", concurrency: 8, timeoutMs: 5_400_000, fsckEveryMs: 604_800_000, excludeArchived: true });
    expect(o.scopes).toEqual([{ kind: "org", name: "acme" }]);
    expect(o.exclude).toEqual(["tmp-*", "old?"]);
    expect(parseOptions(["/x", "--concurrency=2"], env).concurrency).toBe(2);
    expect(parseOptions(["/x", "--include-forks=no"], { CHIME_GIT_BACKUP_INCLUDE_FORKS: "yes" }).includeForks).toBe(false);
  });

  test.each([
    [["/d", "--concurrency", "zero"], {}, /^git-backup: --concurrency: not a whole number: "zero"$/],
    [
      ["/d"],
      { CHIME_GIT_BACKUP_CONCURRENCY: "-3" },
      /^git-backup: CHIME_GIT_BACKUP_CONCURRENCY \(environment\): not a whole number: "-3"$/,
    ],
    [["/d", "--timeout", "10 minutes"], {}, /^git-backup: --timeout: not a duration like 90s.*: "10 minutes"$/],
    [
      ["/d"],
      { CHIME_GIT_BACKUP_FSCK_EVERY: "weekly" },
      /^git-backup: CHIME_GIT_BACKUP_FSCK_EVERY \(environment\): not a duration.*: "weekly"$/,
    ],
    [["/d", "--github-user", "../evil"], {}, /^git-backup: --github-user: not a GitHub user name: "\.\.\/evil"$/],
    [["/d", "--github-api", "ftp://x"], {}, /^git-backup: --github-api: not an http\(s\) URL without credentials: "ftp:\/\/x"$/],
    [
      ["/d", "--github-token-file", "/no/such/token"],
      {},
      /^git-backup: --github-token-file: cannot read the token file \(ENOENT\): "\/no\/such\/token"$/,
    ],
    [
      ["/d", "--github-api", "https://me:hunter2@ghe.example/api/v3"],
      {},
      /^git-backup: --github-api: not an http\(s\) URL without credentials: "(?!.*hunter2).*"$/,
    ],
    [["/d", "--frobnicate"], {}, /^git-backup: --frobnicate: unknown option$/],
    [["/d", "-x"], {}, /^git-backup: -x: unknown option$/],
    [["/d", "/e"], {}, /one DIR expected, got 2: "\/d" "\/e"/],
    [[], {}, /DIR missing \(argument or CHIME_GIT_BACKUP_DIR\)/],
    [["/d", "--timeout"], {}, /^git-backup: --timeout: needs a value$/],
    [["/d", "--github-self"], {}, /^git-backup: --github-self: needs a token/],
    [["/d", "--gists"], {}, /^git-backup: --gists: needs --github-user or --github-self/],
    [["/d", "--gists", "--github-org", "acme"], {}, /^git-backup: --gists: needs --github-user or --github-self/],
    [["/d"], { CHIME_GIT_BACKUP_GISTS: "yes" }, /^git-backup: CHIME_GIT_BACKUP_GISTS \(environment\): needs --github-user/],
    [["/d", "--include-forks=maybe"], {}, /^git-backup: --include-forks: not a switch \(yes\/no, 1\/0, true\/false or on\/off\): "maybe"$/],
    [["/d", "--timeout", "1m", "--timeout=2m"], {}, /^git-backup: --timeout: given twice: "2m"$/],
    [["/d"], { CHIME_GIT_BACKUP_TIMEOUT: "500ms" }, /^git-backup: CHIME_GIT_BACKUP_TIMEOUT \(environment\): must be at least 1s: "500ms"$/],
    [
      ["/d"],
      { CHIME_GIT_BACKUP_INCLUDE_FORKS: "maybe" },
      /^git-backup: CHIME_GIT_BACKUP_INCLUDE_FORKS \(environment\): not a switch \(yes\/no, 1\/0, true\/false or on\/off\): "maybe"$/,
    ],
  ] as [string[], Record<string, string>, RegExp][])("%j %j is a JobConfigError naming value and source", (args, env, message) => {
    expect(create(args, env)).toThrow(JobConfigError);
    expect(create(args, env)).toThrow(message);
  });

  test("chime git-backup DIR --gists with no GitHub user to list gists for: exit 100 naming --gists, nothing run", () => {
    const dir = mkdtempSync(join(tmp, "dir-"));
    const r = runChime(["git-backup", dir, "--gists"], { cwd: tmp });
    expect(r.status).toBe(100);
    expect(r.stderr).toContain("--gists: needs --github-user or --github-self");
    expect(r.stdout).not.toContain("run ");
  });

  test("the token file is checked at start and its path resolved; GITHUB_TOKEN is the fallback", () => {
    const file = join(tmp, "token");
    writeFileSync(file, "secret\n");
    expect(parseOptions(["/d", "--github-token-file", file], {})).toMatchObject({ tokenFile: file, tokenSource: "--github-token-file" });
    expect(parseOptions(["/d"], { GITHUB_TOKEN: "x" }).tokenSource).toBe("GITHUB_TOKEN");
  });

  test("each option's variable is CHIME_GIT_BACKUP_ and its name (docs/git-backup.md), as before the declaration", () => {
    for (const o of OPTIONS) expect(o.env).toBe(`CHIME_GIT_BACKUP_${o.name.toUpperCase().replace(/-/g, "_")}`);
  });

  test("the spec's help lists every option and the exit codes", () => {
    expect(gitBackupSpec.usage).toBe("git-backup DIR [options]");
    for (const flag of [
      "--concurrency",
      "--timeout",
      "--fsck-every",
      "--prom-file",
      "--github-user",
      "--github-org",
      "--github-token-file",
      "--github-api",
      "--include-forks",
      "--exclude-archived",
      "--exclude",
    ]) {
      expect(gitBackupSpec.help).toContain(flag);
    }
    expect(gitBackupSpec.help).toMatch(/Exit: 0 .*1 .*2 .*100/s);
  });
});
