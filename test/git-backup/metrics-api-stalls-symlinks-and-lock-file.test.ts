import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { listGithubRepos } from "../../src/jobs/git-backup/github-listing.js";
import { lockMirror } from "../../src/jobs/git-backup/mirror-lock.js";
import { renderMetrics } from "../../src/jobs/git-backup/prom-metrics.js";
import type { RepoOutcome } from "../../src/jobs/git-backup/update-mirror.js";
import { git, tempDir, Upstream, withGit } from "./helpers/git-fixtures.js";
import { startFakeGithub } from "./helpers/github-api-server.js";
import { parsePromText } from "./helpers/prom-text-parser.js";
import { runJob } from "./helpers/run-job.js";
import { startSilentServer } from "./helpers/servers.js";

const outcome = (repo: string, status: RepoOutcome["status"]): RepoOutcome => ({
  repo,
  status,
  refsUpdated: 0,
  refsSaved: 0,
  ms: 1,
  attempts: 1,
  notes: [],
});

describe("--prom-file is valid for node_exporter's textfile collector", () => {
  test("every family has HELP and TYPE before its samples; hostile repository names round-trip through label escaping", () => {
    const names = ['q"uote.git', "back\\slash.git", "new\nline.git", 'x} 1\ny{a="b".git', "plain.git"];
    const text = renderMetrics(
      [...names.map((n) => outcome(n, "unchanged")), outcome("broken.git", "failed")],
      Object.fromEntries(names.map((n, i) => [n, { lastSuccess: 1_700_000_000 + i }])),
      1_700_000_100,
      1.5,
      false,
    );
    const families = parsePromText(text);
    for (const f of families.values()) {
      expect(f.help, f.name).toBeTypeOf("string");
      expect(f.type, f.name).toBe("gauge");
      expect(f.name).toMatch(/^chime_git_backup_/);
    }
    const last = families.get("chime_git_backup_last_success_timestamp_seconds");
    expect(last?.samples.map((s) => s.labels.repo)).toEqual(names);
    expect(last?.samples.map((s) => s.value)).toEqual(names.map((_, i) => 1_700_000_000 + i));
    const results = families.get("chime_git_backup_repositories")?.samples ?? [];
    expect(Object.fromEntries(results.map((s) => [s.labels.result, s.value]))).toEqual({
      new: 0,
      updated: 0,
      unchanged: 5,
      failed: 1,
      gone_upstream: 0,
    });
  });

  test("the parser used above rejects what node_exporter rejects (so the test above can fail)", () => {
    expect(() => parsePromText('m{repo="a\nb"} 1\n')).toThrow();
    expect(() => parsePromText('m{repo="a\\tb"} 1\n')).toThrow(/bad escape/);
    expect(() => parsePromText("m 1\n# TYPE m gauge\n")).toThrow(/after its samples/);
    expect(() => parsePromText("m 1\nm 2\n")).toThrow(/duplicate/);
    expect(() => parsePromText("m 1")).toThrow(/newline/);
    expect(() => parsePromText("m one\n")).toThrow(/value/);
  });
});

describe("a GitHub API that stops answering does not hang the run", () => {
  const list = (api: string) =>
    listGithubRepos(
      {
        api,
        token: undefined,
        cache: { pages: {} },
        signal: new AbortController().signal,
        maxWaitMs: 0,
        nowMs: Date.now,
        requestTimeoutMs: 300,
      },
      [{ kind: "user", name: "me" }],
    );

  test("silent after accepting the connection, or after the headers and a first byte of the body", async () => {
    const silent = await startSilentServer();
    const dripping = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write("[");
    });
    await new Promise<void>((r) => dripping.listen(0, "127.0.0.1", r));
    try {
      const started = Date.now();
      await expect(list(`http://127.0.0.1:${silent.port}`)).rejects.toThrow(/\/users\/me\/repos\?\S*: no complete answer within 0.3 s/);
      await expect(list(`http://127.0.0.1:${(dripping.address() as { port: number }).port}`)).rejects.toThrow(
        /no complete answer within 0.3 s/,
      );
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await silent.stop();
      dripping.closeAllConnections();
      await new Promise<void>((r) => dripping.close(() => r()));
    }
  });
});

withGit.describe("discovery never writes through a symlink in DIR", () => {
  test("neither adopting a hand-made mirror nor following a rename writes into a symlinked mirror's target", async () => {
    const tmp = tempDir("gb-symlink-adopt");
    const gh = await startFakeGithub({ login: "octo", token: "t0ken-value" });
    try {
      const dir = join(tmp.path, "backup");
      mkdirSync(dir);
      // outside DIR: one repository whose URL is a listed clone_url (adoption), one that carries
      // a listed id under an old URL (rename)
      const adoptee = join(tmp.path, "adoptee.git");
      const renamed = join(tmp.path, "renamed.git");
      git(tmp.path, "init", "--quiet", "--bare", adoptee);
      git(adoptee, "remote", "add", "origin", "http://127.0.0.1:9/tool.git");
      git(tmp.path, "init", "--quiet", "--bare", renamed);
      git(renamed, "remote", "add", "origin", "http://127.0.0.1:9/old-name.git");
      git(renamed, "config", "chime.githubid", "202");
      symlinkSync(adoptee, join(dir, "tool.git"));
      symlinkSync(renamed, join(dir, "old-name.git"));
      const before = [readFileSync(join(adoptee, "config"), "utf8"), readFileSync(join(renamed, "config"), "utf8")];
      gh.repos = [
        { id: 201, name: "tool", clone_url: "http://127.0.0.1:9/tool.git" },
        { id: 202, name: "new-name", clone_url: "http://127.0.0.1:9/new-name.git" },
      ];
      const run = await runJob([dir, "--github-user", "octo", "--github-api", gh.api, "--retries", "0"], {
        stateDir: join(tmp.path, "state"),
      });
      expect(run.repo("tool.git")).toMatchObject({ status: "failed", error: "not a directory (symlinks are not followed)" });
      expect(run.repo("old-name.git")).toMatchObject({ status: "failed", error: "not a directory (symlinks are not followed)" });
      expect([readFileSync(join(adoptee, "config"), "utf8"), readFileSync(join(renamed, "config"), "utf8")]).toEqual(before);
    } finally {
      await gh.stop();
      tmp.remove();
    }
  });
});

withGit.describe("the error of a mirror with thousands of refs", () => {
  test("is the git error at the end of a long fetch, not the first line of its ref list", async () => {
    const tmp = tempDir("gb-many-refs");
    try {
      const up = new Upstream(tmp.path, "many", tmp.path);
      const c = up.commit();
      up.push();
      execFileSync("git", ["update-ref", "refs/heads/zzz", c], { cwd: up.bare });
      const dir = join(tmp.path, "backup");
      mkdirSync(dir);
      git(dir, "clone", "--quiet", "--mirror", up.bare, "many.git");
      // 8000 new branches: git prints a line per ref it creates, well over 256 KiB before the error
      const lines = Array.from({ length: 8000 }, (_, i) => `create refs/heads/b${String(i).padStart(5, "0")} ${c}\n`).join("");
      execFileSync("git", ["update-ref", "--stdin"], { cwd: up.bare, input: lines });
      up.commit();
      up.push("HEAD:refs/heads/zzz");
      // someone else's fresh lock (not ours to remove) makes that one ref fail
      writeFileSync(join(dir, "many.git", "refs", "heads", "zzz.lock"), "");
      const run = await runJob([dir, "--retries", "0"], { stateDir: join(tmp.path, "state") });
      expect(run.repo("many.git")).toMatchObject({ status: "failed" });
      expect(String(run.repo("many.git")?.error)).toMatch(/^error: cannot lock ref 'refs\/heads\/zzz'/);
    } finally {
      tmp.remove();
    }
  });
});

withGit.describe("the per-mirror lock file", () => {
  test("is never seen existing without its record (another run would take it for a dead run's and remove it)", async () => {
    const tmp = tempDir("gb-lock-record");
    try {
      const path = join(tmp.path, "chime-backup.lock");
      let seenEmpty = 0;
      let looking = true;
      const look = (): void => {
        try {
          if (readFileSync(path, "utf8") === "") seenEmpty++;
        } catch {
          // not there yet, or released
        }
        if (looking) setImmediate(look);
      };
      look();
      for (let i = 0; i < 50; i++) {
        const lock = await lockMirror(tmp.path);
        expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({ pid: process.pid });
        await lock.release();
      }
      looking = false;
      expect(seenEmpty).toBe(0);
    } finally {
      tmp.remove();
    }
  });
});
