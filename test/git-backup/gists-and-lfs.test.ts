import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { requires } from "../support/requires.js";
import { git, tempDir, testGitEnv, Upstream, withGitHttp } from "./helpers/git-fixtures.js";
import { startFakeGithub, type FakeGithub } from "./helpers/github-api-server.js";
import { gitHttpHandler } from "./helpers/http-git-server.js";
import { giteaRepo, startFakeForge, type FakeForge } from "./helpers/forge-api-server.js";
import { runJob } from "./helpers/run-job.js";
import { execFileSync } from "node:child_process";

const TOKEN = "ghp_chimeGISTtoken0value0123456789";

withGitHttp.describe("--gists: a GitHub user's gists, each a mirror of its own", () => {
  const tmp = tempDir("gb-gists");
  const root = join(tmp.path, "upstream");
  const work = join(tmp.path, "work");
  const dir = join(tmp.path, "backup");
  const stateDir = join(tmp.path, "state");
  let gh: FakeGithub;
  const ups: Record<string, Upstream> = {};
  // gist ids are hex (GitHub's documented Gist object), 20 or 32 characters
  const PUBLIC = "aa5a315d61ae9438b18d";
  const SECRET = "0123456789abcdef0123456789abcdef";

  beforeAll(async () => {
    for (const d of [root, work, dir]) mkdirSync(d);
    for (const n of ["proj", "proj.wiki", PUBLIC, SECRET]) {
      ups[n] = new Upstream(root, n, work);
      ups[n].commit(n);
      ups[n].push();
    }
    gh = await startFakeGithub({ login: "octo", token: TOKEN, git: gitHttpHandler(root, [], TOKEN, new Set([`${SECRET}.git`])) });
    gh.repos = [
      { id: 1, name: "proj", clone_url: `${gh.api}/proj.git`, default_branch: "main", has_wiki: true },
      { id: 2, name: "nowiki", clone_url: `${gh.api}/nowiki.git`, default_branch: "main", has_wiki: true },
    ];
    ups.nowiki = new Upstream(root, "nowiki", work);
    ups.nowiki.commit("nowiki");
    ups.nowiki.push();
    gh.gists = [
      { id: PUBLIC, git_pull_url: `${gh.api}/${PUBLIC}.git`, public: true, description: "notes", files: { "a.md": { filename: "a.md" } } },
      { id: SECRET, git_pull_url: `${gh.api}/${SECRET}.git`, public: false, description: "secret", files: {} },
      // a hostile entry: its clone URL is on another host than the API's gist host
      { id: "bbbbbbbbbbbbbbbbbbbb", git_pull_url: "http://127.0.0.2:9/bbbbbbbbbbbbbbbbbbbb.git", public: true },
    ];
  });
  afterAll(async () => {
    await gh.stop();
    tmp.remove();
  });

  test("public gists without a token, secret ones too for the token owner; a gist URL off the gist host is refused", async () => {
    const anon = await runJob([dir, "--github-user", "octo", "--github-api", gh.api, "--gists", "--retries", "0"], { stateDir });
    expect(anon.repo(`gist-${PUBLIC}.git`)?.status).toBe("new");
    expect(git(join(dir, `gist-${PUBLIC}.git`), "rev-parse", "refs/heads/main")).toBe(ups[PUBLIC]!.rev("main"));
    expect(existsSync(join(dir, `gist-${SECRET}.git`))).toBe(false);
    expect(
      anon.records.some((r) => r.msg === "GitHub gists listing entry rejected" && /not on the forge's host/.test(String(r.reason))),
    ).toBe(true);
    expect(git(join(dir, `gist-${PUBLIC}.git`), "config", "chime.forgekey")).toBe(`github gist:${PUBLIC}`);

    const owner = await runJob([dir, "--github-user", "octo", "--github-api", gh.api, "--gists", "--retries", "0"], {
      stateDir,
      env: { GITHUB_TOKEN: TOKEN },
    });
    expect(owner.repo(`gist-${SECRET}.git`)?.status).toBe("new");
    expect(owner.repo(`gist-${PUBLIC}.git`)?.status).toBe("unchanged");
    expect(owner.repo("proj.git")?.status).toBe("unchanged");
    expect(gh.requests.some((r) => r.path.startsWith("/gists?"))).toBe(true);
  });

  test("--wikis with GitHub's has_wiki: proj.wiki.git once the wiki has a page; a wiki without one is no mirror and no error", async () => {
    const run = await runJob([dir, "--github-user", "octo", "--github-api", gh.api, "--wikis", "--retries", "0"], {
      stateDir,
      env: { GITHUB_TOKEN: TOKEN },
    });
    expect(run.result.status).toBe("ok");
    expect(run.repo("proj.wiki.git")?.status).toBe("new");
    expect(git(join(dir, "proj.wiki.git"), "rev-parse", "refs/heads/main")).toBe(ups["proj.wiki"]!.rev("main"));
    expect(git(join(dir, "proj.wiki.git"), "config", "chime.forgekey")).toBe("github 1 wiki");
    expect(existsSync(join(dir, "nowiki.wiki.git"))).toBe(false);
    expect(run.repo("nowiki.wiki.git")).toBeUndefined();
  });

  test("a gist deleted upstream is gone upstream and kept; without --gists no gist mirror is called gone", async () => {
    const all = gh.gists;
    gh.gists = all.filter((g) => g.id !== PUBLIC);
    const run = await runJob([dir, "--github-user", "octo", "--github-api", gh.api, "--gists", "--retries", "0"], {
      stateDir,
      env: { GITHUB_TOKEN: TOKEN },
    });
    expect(run.repo(`gist-${PUBLIC}.git`)?.status).toBe("gone upstream");
    const plain = await runJob([dir, "--github-user", "octo", "--github-api", gh.api, "--retries", "0"], {
      stateDir,
      env: { GITHUB_TOKEN: TOKEN },
    });
    expect(plain.repo(`gist-${SECRET}.git`)?.status).toBe("unchanged");
    gh.gists = all;
  });
});

const withLfs = requires("git", "git-lfs");

withLfs.describe("--lfs: every LFS object of every ref, fetched by the real git-lfs (file:// transfer)", () => {
  const tmp = tempDir("gb-lfs");
  const up = join(tmp.path, "up.git");
  const wt = join(tmp.path, "work");
  const dir = join(tmp.path, "backup");
  const stateDir = join(tmp.path, "state");
  const lfsEnv = { ...testGitEnv };
  const inWork = (...args: string[]) =>
    execFileSync("git", args, { cwd: wt, env: lfsEnv, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  /** the object id of a file: the sha256 of its content (git-lfs pointer spec, "oid sha256:") */
  const oidOf = (path: string) =>
    createHash("sha256")
      .update(readFileSync(join(wt, path)))
      .digest("hex");
  const objectPath = (repo: string, oid: string) => join(repo, "lfs", "objects", oid.slice(0, 2), oid.slice(2, 4), oid);

  beforeAll(() => {
    mkdirSync(dir);
    git(tmp.path, "init", "--quiet", "--bare", "-b", "main", up);
    git(tmp.path, "init", "--quiet", "-b", "main", wt);
    // hooks and filters in this work tree only (the tests' global config is /dev/null)
    inWork("lfs", "install", "--local");
    inWork("lfs", "track", "*.bin");
    writeFileSync(join(wt, "first.bin"), "first large file\n".repeat(100));
    inWork("add", ".");
    inWork("commit", "--quiet", "-m", "first");
    inWork("remote", "add", "origin", `file://${up}`);
    inWork("push", "--quiet", "origin", "main");
    git(dir, "clone", "--quiet", "--mirror", `file://${up}`, "big.git");
  });
  afterAll(() => tmp.remove());

  test("the objects land in the mirror's lfs/objects; an object missing upstream is a WARNING naming it", async () => {
    const first = oidOf("first.bin");
    const run = await runJob([dir, "--lfs", "--retries", "0"], { stateDir });
    expect(run.result.status).toBe("ok");
    expect(existsSync(objectPath(join(dir, "big.git"), first))).toBe(true);

    writeFileSync(join(wt, "second.bin"), "second large file\n".repeat(100));
    inWork("add", ".");
    inWork("commit", "--quiet", "-m", "second");
    inWork("push", "--quiet", "origin", "main");
    const second = oidOf("second.bin");
    rmSync(objectPath(up, second));
    const broken = await runJob([dir, "--lfs", "--retries", "0"], { stateDir });
    expect(broken.result.status).toBe("warning");
    expect(broken.repo("big.git")?.status).toBe("updated");
    expect(String(broken.repo("big.git")?.warning)).toContain(second);
  });

  test("without --lfs no LFS object is fetched", async () => {
    const other = join(tmp.path, "backup2");
    mkdirSync(other);
    git(other, "clone", "--quiet", "--mirror", `file://${up}`, "big.git");
    const run = await runJob([other, "--retries", "0"], { stateDir: join(tmp.path, "state2") });
    expect(run.result.status).toBe("ok");
    expect(existsSync(join(other, "big.git", "lfs", "objects"))).toBe(false);
  });

  test("git-lfs not installed: one clear warning, the mirrors are still fetched", async () => {
    // a PATH with git but without git-lfs (git finds `git lfs` only as git-lfs on PATH)
    const bin = join(tmp.path, "bin-no-lfs");
    mkdirSync(bin);
    symlinkSync(execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim(), join(bin, "git"));
    const run = await runJob([dir, "--lfs", "--retries", "0"], { stateDir, env: { PATH: bin } });
    expect(run.repo("big.git")?.status).toBe("unchanged");
    const warnings = run.records.filter((r) => String(r.msg).includes("git-lfs is not installed"));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]!.msg)).toContain("apt-get install git-lfs");
  });
});

requires("git", "git-lfs", "git http-backend").describe(
  "--lfs over https-style http: the LFS batch API on the forge's host, with the forge's token",
  () => {
    const TOKEN_LFS = "gitea0lfs0TEST0token0abcdef0123456789";
    const tmp = tempDir("gb-lfs-http");
    const root = join(tmp.path, "upstream");
    const wt = join(tmp.path, "work");
    const dir = join(tmp.path, "backup");
    const stateDir = join(tmp.path, "state");
    let forge: FakeForge;
    const inWork = (...args: string[]) =>
      execFileSync("git", args, { cwd: wt, env: testGitEnv, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
    const oidOf = (content: string) => createHash("sha256").update(content).digest("hex");
    const A = "large file a\n".repeat(200);
    const B = "large file b\n".repeat(200);

    beforeAll(async () => {
      for (const d of [root, dir]) mkdirSync(d);
      git(tmp.path, "init", "--quiet", "--bare", "-b", "main", join(root, "big.git"));
      git(tmp.path, "init", "--quiet", "-b", "main", wt);
      inWork("lfs", "install", "--local");
      inWork("lfs", "track", "*.bin");
      writeFileSync(join(wt, "a.bin"), A);
      writeFileSync(join(wt, "b.bin"), B);
      inWork("add", ".");
      inWork("commit", "--quiet", "-m", "two large files");
      // pushed over file://: git-lfs stores the objects in the bare repository's lfs/objects
      inWork("push", "--quiet", `file://${join(root, "big.git")}`, "main");
      rmSync(join(root, "big.git", "lfs", "objects", oidOf(B).slice(0, 2), oidOf(B).slice(2, 4), oidOf(B)));
      forge = await startFakeForge("gitea", { gitRoot: root, token: TOKEN_LFS });
      forge.privateRepos.add("big.git");
      forge.listings.set("/users/alice/repos", [giteaRepo(forge.origin, 31, "big", { private: true })]);
    });
    afterAll(async () => {
      await forge.stop();
      tmp.remove();
    });

    test("present objects are fetched with the token as the forge's Basic auth; the missing one is a WARNING naming it; the token is in no log or file", async () => {
      const run = await runJob([dir, "--gitea-user", "alice", "--gitea-api", forge.api, "--lfs", "--retries", "0"], {
        stateDir,
        env: { GITEA_TOKEN: TOKEN_LFS },
      });
      expect(run.repo("big.git")?.status).toBe("new");
      const store = join(dir, "big.git", "lfs", "objects");
      expect(readFileSync(join(store, oidOf(A).slice(0, 2), oidOf(A).slice(2, 4), oidOf(A)), "utf8")).toBe(A);
      expect(existsSync(join(store, oidOf(B).slice(0, 2), oidOf(B).slice(2, 4), oidOf(B)))).toBe(false);
      expect(run.result.status).toBe("warning");
      expect(String(run.repo("big.git")?.warning)).toContain(oidOf(B));
      expect(forge.lfsBatches.length).toBeGreaterThan(0);
      const basic = `Basic ${Buffer.from(`x-access-token:${TOKEN_LFS}`).toString("base64")}`;
      expect(forge.lfsBatches.every((b) => b.repo === "big.git" && b.auth === basic)).toBe(true);
      expect(run.text).not.toContain(TOKEN_LFS);
      expect(readFileSync(join(dir, "big.git", "config"), "utf8")).not.toContain(TOKEN_LFS);
    });
  },
);
