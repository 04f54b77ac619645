import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { runGitBackupTool } from "../../src/cli/git-backup-tools.js";
import { git, tempDir, Upstream, withGitHttp } from "./helpers/git-fixtures.js";
import { giteaRepo, gitlabProject, startFakeForge, type FakeForge } from "./helpers/forge-api-server.js";
import { runJob } from "./helpers/run-job.js";

const GITEA_TOKEN = "gitea0chime0TEST0token0abcdef0123456789";
const GITLAB_TOKEN = "glpat-chimeTESTtoken0123456789";

function allFileText(dir: string): string {
  let out = "";
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out += allFileText(p);
    else if (e.isFile() && statSync(p).size < 1_000_000) out += readFileSync(p, "latin1");
  }
  return out;
}

async function history(dir: string, repo?: string): Promise<string[]> {
  const lines: string[] = [];
  const code = await runGitBackupTool(["history", dir, ...(repo ? [repo] : [])], process.env, (l) => lines.push(l));
  expect(code).toBe(0);
  return lines;
}

withGitHttp.describe("Gitea/Forgejo discovery through its documented REST shapes", () => {
  const tmp = tempDir("gb-gitea");
  const root = join(tmp.path, "upstream");
  const work = join(tmp.path, "work");
  const dir = join(tmp.path, "backup");
  const stateDir = join(tmp.path, "state");
  const ups: Record<string, Upstream> = {};
  let forge: FakeForge;
  const env = { GITEA_TOKEN };

  beforeAll(async () => {
    for (const d of [root, work, dir]) mkdirSync(d);
    // "docs" has a wiki with a page; "tool" reports one (has_wiki) that has no page yet
    for (const n of ["tool", "secret", "docs", "docs.wiki", "forked"]) {
      ups[n] = new Upstream(root, n, work);
      ups[n].commit(n);
      ups[n].push();
    }
    forge = await startFakeForge("gitea", { gitRoot: root, token: GITEA_TOKEN });
    forge.privateRepos.add("secret.git");
    const o = forge.origin;
    forge.listings.set("/users/alice/repos", [
      giteaRepo(o, 11, "tool", { has_wiki: true }),
      giteaRepo(o, 12, "secret", { private: true }),
      giteaRepo(o, 13, "docs", { has_wiki: true }),
      giteaRepo(o, 14, "forked", { fork: true }),
      // hostile entries: a path for a name, and a clone URL on a host that is not the forge's
      giteaRepo(o, 15, "../escape"),
      giteaRepo(o, 16, "elsewhere", { clone_url: "http://127.0.0.2:9/elsewhere.git" }),
    ]);
  });
  afterAll(async () => {
    await forge.stop();
    tmp.remove();
  });

  const args = () => [dir, "--gitea-user", "alice", "--gitea-api", forge.api, "--wikis", "--retries", "0"];

  test("every page is listed (Link rel=next), private repositories fetched with the token, forks skipped, hostile entries refused; the token is nowhere", async () => {
    const run = await runJob(args(), { stateDir, env });
    // refused entries are WARNING log lines, as for GitHub; the run itself is fine
    expect(run.result.status).toBe("ok");
    expect(readdirSync(dir).sort()).toEqual(["docs.git", "docs.wiki.git", "secret.git", "tool.git"]);
    for (const n of ["tool", "secret", "docs"]) {
      expect(run.repo(`${n}.git`)?.status).toBe("new");
      expect(git(join(dir, `${n}.git`), "rev-parse", "refs/heads/main")).toBe(ups[n]!.rev("main"));
    }
    // the wiki with a page is mirrored; the reported wiki without one is no error and no mirror
    expect(git(join(dir, "docs.wiki.git"), "rev-parse", "refs/heads/main")).toBe(ups["docs.wiki"]!.rev("main"));
    expect(run.repo("tool.wiki.git")).toBeUndefined();
    expect(forge.gitPaths.some((p) => p.startsWith("/tool.wiki.git/"))).toBe(true);
    // six entries, two a page: three pages, each with the token in Gitea's header form
    const pages = forge.requests.filter((r) => r.path.startsWith("/users/alice/repos"));
    expect(pages.map((r) => new URL(r.path, "http://x").searchParams.get("page") ?? "1")).toEqual(["1", "2", "3"]);
    expect(pages.every((r) => r.auth === `token ${GITEA_TOKEN}`)).toBe(true);
    const rejected = run.records
      .filter((r) => r.msg === "Gitea listing entry rejected")
      .map((r) => `${String(r.entry)} ${String(r.reason)}`);
    expect(rejected).toHaveLength(2);
    expect(rejected.join("\n")).toMatch(/escape.*not plain/);
    expect(rejected.join("\n")).toMatch(/elsewhere.*not on the forge's host/);
    // the private fetch used the token as Basic auth over git
    expect(forge.gitUsers.length).toBeGreaterThan(0);
    for (const secret of [GITEA_TOKEN, Buffer.from(`x-access-token:${GITEA_TOKEN}`).toString("base64")]) {
      expect(run.text).not.toContain(secret);
      expect(allFileText(dir)).not.toContain(secret);
      expect(allFileText(stateDir)).not.toContain(secret);
    }
    expect(git(join(dir, "secret.git"), "config", "chime.forgekey")).toBe(`gitea ${forge.api} 12`);
  });

  test("a wiki that had no page is not asked for again within a day", async () => {
    forge.gitPaths.length = 0;
    const run = await runJob(args(), { stateDir, env });
    expect(run.result.status).toBe("ok");
    expect(forge.gitPaths.filter((p) => p.startsWith("/tool.wiki.git/"))).toEqual([]);
    const dayLater = await runJob(args(), { stateDir, env, nowMs: () => Date.now() + 25 * 3600_000 });
    expect(dayLater.repo("tool.wiki.git")).toBeUndefined();
    expect(forge.gitPaths.some((p) => p.startsWith("/tool.wiki.git/"))).toBe(true);
  });

  test("a repository the listing no longer names is gone upstream: kept untouched, and history says so; listed again, it is fetched again", async () => {
    const listed = forge.listings.get("/users/alice/repos")!;
    const tip = git(join(dir, "tool.git"), "rev-parse", "refs/heads/main");
    forge.listings.set(
      "/users/alice/repos",
      listed.filter((e) => e.id !== 11),
    );
    const run = await runJob(args(), { stateDir, env });
    expect(run.repo("tool.git")?.status).toBe("gone upstream");
    expect(git(join(dir, "tool.git"), "rev-parse", "refs/heads/main")).toBe(tip);
    const lines = await history(dir, "tool");
    expect(lines[0]).toBe("tool.git: nothing saved, gone upstream");
    expect(lines[1]).toMatch(/^ {2}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}gone upstream: no longer listed/);
    // a second run keeps the first time it was seen gone
    await runJob(args(), { stateDir, env });
    expect(await history(dir, "tool")).toEqual(lines);

    forge.listings.set("/users/alice/repos", listed);
    ups.tool!.commit("after");
    ups.tool!.push();
    const back = await runJob(args(), { stateDir, env });
    expect(back.repo("tool.git")?.status).toBe("updated");
    expect(String(back.repo("tool.git")?.notes)).toContain("listed upstream again");
    expect((await history(dir, "tool"))[0]).toBe("tool.git: nothing saved");
  });

  test("a rename upstream (same id, new name and clone URL) moves the mirror's URL; the directory keeps its name", async () => {
    const listed = forge.listings.get("/users/alice/repos")!;
    ups.docs2 = new Upstream(root, "docs-renamed", work);
    ups.docs2.commit("renamed");
    ups.docs2.push();
    forge.listings.set(
      "/users/alice/repos",
      listed.map((e) => (e.id === 13 ? giteaRepo(forge.origin, 13, "docs-renamed", { has_wiki: true }) : e)),
    );
    const run = await runJob(args(), { stateDir, env });
    expect(String(run.repo("docs.git")?.notes)).toContain("renamed upstream to docs-renamed");
    expect(git(join(dir, "docs.git"), "config", "remote.origin.url")).toBe(`${forge.origin}/docs-renamed.git`);
    expect(readdirSync(dir)).not.toContain("docs-renamed.git");
    forge.listings.set("/users/alice/repos", listed);
  });

  test("an unreachable forge leaves every mirror to a plain fetch: none is called gone", async () => {
    const run = await runJob([dir, "--gitea-user", "alice", "--gitea-api", "http://127.0.0.1:9/api/v1", "--retries", "0"], {
      stateDir,
      env,
    });
    expect(run.result.summary).toMatch(/listing failed: Gitea API .*connection failed/);
    expect(run.records.filter((r) => r.status === "gone upstream")).toEqual([]);
    expect(run.repo("tool.git")?.status).toBe("unchanged");
  });
});

withGitHttp.describe("GitLab discovery through its documented REST shapes", () => {
  const tmp = tempDir("gb-gitlab");
  const root = join(tmp.path, "upstream");
  const work = join(tmp.path, "work");
  const dir = join(tmp.path, "backup");
  const stateDir = join(tmp.path, "state");
  const ups: Record<string, Upstream> = {};
  let forge: FakeForge;
  const env = { GITLAB_TOKEN };

  beforeAll(async () => {
    for (const d of [root, work, dir]) mkdirSync(d);
    for (const n of ["api-server", "internal-lib", "handbook", "handbook.wiki", "fork-of-x", "mine"]) {
      ups[n] = new Upstream(root, n, work);
      ups[n].commit(n);
      ups[n].push();
    }
    forge = await startFakeForge("gitlab", { gitRoot: root, token: GITLAB_TOKEN });
    forge.privateRepos.add("internal-lib.git");
    const o = forge.origin;
    // GitLab encodes the subgroup path as one segment: grp%2Fsub
    forge.listings.set("/groups/grp%2Fsub/projects", [
      gitlabProject(o, 201, "api-server"),
      gitlabProject(o, 202, "internal-lib", { visibility: "private" }),
      gitlabProject(o, 203, "handbook", { wiki_enabled: true }),
      gitlabProject(o, 204, "fork-of-x", { forked_from_project: { id: 1, path: "x" } }),
      gitlabProject(o, 205, "bad name with spaces"),
    ]);
    forge.listings.set("/projects", [gitlabProject(o, 301, "mine", { visibility: "private" }), gitlabProject(o, 302, "api-server")]);
    forge.privateRepos.add("mine.git");
  });
  afterAll(async () => {
    await forge.stop();
    tmp.remove();
  });

  test("a group with subgroups (X-Next-Page offset paging): path and http_url_to_repo used, private ones with the token as user oauth2, forks skipped", async () => {
    const run = await runJob([dir, "--gitlab-group", "grp/sub", "--gitlab-api", forge.api, "--wikis", "--retries", "0"], { stateDir, env });
    expect(readdirSync(dir).sort()).toEqual(["api-server.git", "handbook.git", "handbook.wiki.git", "internal-lib.git"]);
    for (const n of ["api-server", "internal-lib", "handbook", "handbook.wiki"]) {
      expect(git(join(dir, `${n}.git`), "rev-parse", "refs/heads/main")).toBe(ups[n]!.rev("main"));
    }
    const pages = forge.requests.filter((r) => r.path.startsWith("/groups/"));
    expect(pages.map((r) => new URL(r.path, "http://x").searchParams.get("page") ?? "1")).toEqual(["1", "2", "3"]);
    expect(pages.every((r) => r.auth === GITLAB_TOKEN && r.path.includes("include_subgroups=true"))).toBe(true);
    expect(forge.gitUsers.length).toBeGreaterThan(0);
    expect(new Set(forge.gitUsers)).toEqual(new Set(["oauth2"]));
    expect(run.records.filter((r) => r.msg === "GitLab listing entry rejected")).toHaveLength(1);
    expect(run.text).not.toContain(GITLAB_TOKEN);
    expect(allFileText(dir)).not.toContain(GITLAB_TOKEN);
  });

  test("--gitlab-self: the token owner's projects through keyset paging (Link rel=next); a project listed by two scopes is one mirror", async () => {
    const before = forge.requests.length;
    const run = await runJob([dir, "--gitlab-self", "--gitlab-group", "grp/sub", "--gitlab-api", forge.api, "--retries", "0"], {
      stateDir,
      env,
    });
    expect(run.repo("mine.git")?.status).toBe("new");
    expect(git(join(dir, "mine.git"), "rev-parse", "refs/heads/main")).toBe(ups.mine!.rev("main"));
    const keyset = forge.requests.slice(before).filter((r) => r.path.startsWith("/projects"));
    expect(keyset.map((r) => new URL(r.path, "http://x").searchParams.get("id_after"))).toEqual([null]);
    expect(keyset[0]!.path).toContain("pagination=keyset");
    // api-server (302 here) is another project than 201: a second mirror under a name of its own
    expect(readdirSync(dir)).toContain("api-server-302.git");
    expect(run.repo("api-server.git")?.status).toBe("unchanged");
  });
});

test("a bad GitLab group or forge URL is refused at the start, naming the value and where it came from", async () => {
  const { gitBackupSpec } = await import("../../src/jobs/git-backup/spec.js");
  expect(() => gitBackupSpec.create(["/tmp", "--gitlab-group", "grp/../x"], {})).toThrow(
    'git-backup: bad GitLab group name in --gitlab-group: "grp/../x"',
  );
  expect(() => gitBackupSpec.create(["/tmp", "--gitea-user", "a", "--gitea-api", "ftp://x"], {})).toThrow(
    'git-backup: --gitea-api is not an http(s) URL without credentials: "ftp://x"',
  );
  expect(() => gitBackupSpec.create(["/tmp", "--gitea-self"], {})).toThrow(
    "git-backup: --gitea-self needs a token (--gitea-token-file or GITEA_TOKEN)",
  );
});
