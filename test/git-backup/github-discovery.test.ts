import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { git, gitAsync, tempDir, Upstream, withGitHttp } from "./helpers/git-fixtures.js";
import { startFakeGithub, type FakeGithub } from "./helpers/github-api-server.js";
import { gitHttpHandler, startHttpGitServer } from "./helpers/http-git-server.js";
import { runJob } from "./helpers/run-job.js";

const TOKEN = "ghp_chimeTEST0token0value0123456789";

/** Every file under `dir`, as text, concatenated: for "the token is in no file" checks. */
function allFileText(dir: string): string {
  let out = "";
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out += allFileText(p);
    else if (e.isFile() && statSync(p).size < 1_000_000) out += readFileSync(p, "latin1");
  }
  return out;
}

/** Samples every process's argv while `work` runs. */
async function watchArgv<T>(work: Promise<T>): Promise<{ value: T; argv: string }> {
  let argv = "";
  let done = false;
  const sampler = (async () => {
    while (!done) {
      argv += execFileSync("ps", ["-eww", "-o", "args="], { encoding: "utf8" });
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const value = await work.finally(() => (done = true));
  await sampler;
  return { value, argv };
}

withGitHttp.describe("discovery through the GitHub REST API", () => {
  const tmp = tempDir("gb-github");
  const root = join(tmp.path, "upstream");
  const work = join(tmp.path, "work");
  const dir = join(tmp.path, "backup");
  const stateDir = join(tmp.path, "state");
  let gh: FakeGithub;
  /** Authorization headers the API's own git host saw */
  const gitAuthSeen: string[] = [];
  const gitUrl = (name: string): string => `${gh.api}/${name}`;
  const ups: Record<string, Upstream> = {};
  const env = { GITHUB_TOKEN: TOKEN };

  beforeAll(async () => {
    for (const d of [root, work, dir]) mkdirSync(d);
    for (const n of ["pub1", "pub2", "priv", "forky", "old"]) {
      ups[n] = new Upstream(root, n, work);
      ups[n].commit(n);
      ups[n].push();
    }
    // git served on the API's own origin, as a GitHub Enterprise host serves it
    gh = await startFakeGithub({
      login: "octo",
      token: TOKEN,
      perPage: 2,
      git: gitHttpHandler(root, gitAuthSeen, TOKEN, new Set(["priv.git"])),
    });
    const repo = (id: number, name: string, extra: object = {}) => ({
      id,
      name,
      clone_url: gitUrl(`${name}.git`),
      default_branch: "main",
      ...extra,
    });
    gh.repos = [
      repo(101, "pub1"),
      repo(102, "pub2"),
      repo(103, "priv", { private: true }),
      repo(104, "forky", { fork: true }),
      repo(105, "old", { archived: true }),
    ];
  });
  afterAll(async () => {
    await gh.stop();
    tmp.remove();
  });

  const args = () => [dir, "--github-user", "octo", "--github-api", gh.api, "--retries", "0"];

  test("missing mirrors are cloned (all pages, private ones with the token), forks skipped; the token is nowhere", async () => {
    const { value: run, argv } = await watchArgv(runJob(args(), { stateDir, env }));
    expect(run.result.status).toBe("ok");
    expect(readdirSync(dir).sort()).toEqual(["old.git", "priv.git", "pub1.git", "pub2.git"]);
    for (const n of ["old", "priv", "pub1", "pub2"]) {
      expect(run.repo(`${n}.git`)?.status).toBe("new");
      expect(git(join(dir, `${n}.git`), "rev-parse", "refs/heads/main")).toBe(ups[n]!.rev("main"));
    }
    // three pages of two, each fetched
    expect(gh.requests.filter((r) => r.path.startsWith("/user/repos")).map((r) => r.status)).toEqual([200, 200, 200]);
    // the private fetch really used the token, as a header
    expect(gitAuthSeen.length).toBeGreaterThan(0);
    // never in argv (ps), a log line, a config file or anything else under DIR
    const b64 = Buffer.from(`x-access-token:${TOKEN}`).toString("base64");
    for (const secret of [TOKEN, b64]) {
      expect(argv).not.toContain(secret);
      expect(run.text).not.toContain(secret);
      expect(allFileText(dir)).not.toContain(secret);
      expect(allFileText(stateDir)).not.toContain(secret);
    }
    expect(git(join(dir, "priv.git"), "config", "remote.origin.url")).toBe(gitUrl("priv.git"));
  });

  test("an unchanged listing is asked for conditionally (304) and nothing is re-cloned", async () => {
    const before = gh.requests.length;
    const run = await runJob(args(), { stateDir, env });
    expect(run.result.status).toBe("ok");
    const listing = gh.requests.slice(before).filter((r) => r.path.startsWith("/user/repos"));
    expect(listing[0]?.ifNoneMatch).toBeDefined();
    expect(listing.every((r) => r.status === 304)).toBe(true);
    expect(run.records.filter((r) => r.status === "unchanged")).toHaveLength(4);
  });

  test("the token goes only to the API's own git host: never to a clone_url the listing puts on another port, nor to a hand-made mirror's server", async () => {
    // Same host and scheme as the API, another port: another origin, so another server.
    const other = await startHttpGitServer(root, TOKEN, new Set(["priv.git"]));
    const listed = gh.repos;
    try {
      await gitAsync(dir, "clone", "--quiet", "--mirror", other.url("pub1.git"), "elsewhere.git");
      gh.repos = [...listed, { id: 106, name: "offsite", clone_url: other.url("priv.git"), private: true, default_branch: "main" }];
      const run = await runJob(args(), { stateDir, env });
      expect(run.repo("elsewhere.git")?.status).toBe("unchanged");
      // the private repository there needs the token; without it the fetch fails, as it must
      expect(run.repo("offsite.git")?.status).toBe("failed");
      expect(String(run.repo("offsite.git")?.error)).toMatch(/could not read Username|Authentication failed/);
      expect(other.authSeen).toEqual([]);
      expect(run.text).not.toContain(TOKEN);
    } finally {
      gh.repos = listed;
      await other.stop();
      rmSync(join(dir, "elsewhere.git"), { recursive: true, force: true });
      rmSync(join(dir, "offsite.git"), { recursive: true, force: true });
    }
  });

  test("a rename upstream is followed by id, a deleted repository is kept and reported gone upstream", async () => {
    renameSync(ups.pub2!.bare, join(root, "pub2-renamed.git"));
    const c = ups.pub2!.commit("after rename");
    git(ups.pub2!.work, "push", "--quiet", join(root, "pub2-renamed.git"), "main");
    gh.repos = gh.repos
      .filter((r) => r.id !== 101)
      .map((r) => (r.id === 102 ? { ...r, name: "pub2-renamed", clone_url: gitUrl("pub2-renamed.git") } : r));
    const pub1Tip = git(join(dir, "pub1.git"), "rev-parse", "refs/heads/main");

    for (let i = 0; i < 2; i++) {
      const run = await runJob(args(), { stateDir, env });
      expect(run.repo("pub1.git")?.status).toBe("gone upstream");
      expect(run.result.status).toBe("ok");
      if (i === 0) {
        expect(run.repo("pub2.git")).toMatchObject({ status: "updated" });
        expect(String(run.repo("pub2.git")?.notes)).toMatch(/renamed upstream to pub2-renamed/);
      }
    }
    expect(readdirSync(dir).sort()).toEqual(["old.git", "priv.git", "pub1.git", "pub2.git"]);
    expect(git(join(dir, "pub2.git"), "rev-parse", "refs/heads/main")).toBe(c);
    expect(git(join(dir, "pub2.git"), "config", "remote.origin.url")).toBe(gitUrl("pub2-renamed.git"));
    expect(git(join(dir, "pub1.git"), "rev-parse", "refs/heads/main")).toBe(pub1Tip);
  });

  test("without a token only public repositories are listed; filters apply; a hand-made mirror is adopted", async () => {
    const d2 = join(tmp.path, "backup-anon");
    mkdirSync(d2);
    // a mirror made by hand from the listed clone_url is adopted, not cloned a second time
    await gitAsync(d2, "clone", "--quiet", "--mirror", gitUrl("forky.git"), "forky.git");
    const run = await runJob(
      [d2, "--github-user", "octo", "--github-api", gh.api, "--exclude-archived", "--exclude", "pub*", "--include-forks"],
      {
        stateDir: join(tmp.path, "state-anon"),
      },
    );
    expect(run.result.status).toBe("ok");
    expect(readdirSync(d2)).toEqual(["forky.git"]);
    expect(git(join(d2, "forky.git"), "config", "chime.githubid")).toBe("104");
    expect(String(run.repo("forky.git")?.notes)).toMatch(/adopted by GitHub id/);
    expect(gh.requests.filter((r) => r.path.startsWith("/users/octo/repos")).length).toBeGreaterThan(0);
  });

  test("an organisation's repositories are listed through /orgs/NAME/repos", async () => {
    const d3 = join(tmp.path, "backup-org");
    mkdirSync(d3);
    const run = await runJob([d3, "--github-org", "acme", "--github-api", gh.api, "--exclude", "pub*", "--exclude", "old"], {
      stateDir: join(tmp.path, "state-org"),
      env,
    });
    expect(run.result.status).toBe("ok");
    expect(readdirSync(d3)).toEqual(["priv.git"]);
    expect(gh.requests.some((r) => r.path.startsWith("/orgs/acme/repos"))).toBe(true);
  });

  test("a rate limit that resets within --rate-limit-wait is waited out, not hammered", async () => {
    gh.remaining = 0;
    gh.resetEpoch = Math.ceil(Date.now() / 1000) + 1;
    const before = gh.requests.length;
    const started = Date.now();
    const run = await runJob([...args(), "--rate-limit-wait", "5s"], { stateDir: join(tmp.path, "state-wait"), env });
    expect(run.result.status).toBe("ok");
    // waited for the announced reset (1–2 s away), not less
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    // one refused request, then the listing proper
    expect(gh.requests.slice(before).filter((r) => r.status === 403).length).toBeGreaterThanOrEqual(1);
    expect(gh.requests.slice(before).filter((r) => r.status === 403).length).toBeLessThanOrEqual(2);
  });

  test("an exhausted rate limit stops the listing with a clear message, once, and the mirrors still update", async () => {
    const saved = gh.remaining;
    gh.remaining = 0;
    const before = gh.requests.length;
    const run = await runJob(args(), { stateDir: join(tmp.path, "state-rl"), env });
    gh.remaining = saved;
    expect(run.result.status).toBe("warning");
    expect(run.result.summary).toMatch(/rate limit exhausted until \d{4}-\d\d-\d\dT/);
    expect(gh.requests.length - before).toBe(1);
    expect(run.records.filter((r) => r.status === "unchanged" || r.status === "updated").length).toBeGreaterThanOrEqual(3);
  });
});

withGitHttp.describe("a hostile listing", () => {
  const tmp = tempDir("gb-hostile");
  const dir = join(tmp.path, "backup");
  let gh: FakeGithub;

  beforeAll(async () => {
    mkdirSync(dir);
    gh = await startFakeGithub({ login: "octo", token: TOKEN });
  });
  afterAll(async () => {
    await gh.stop();
    tmp.remove();
  });

  test("names like ../x, -uexploit or with newlines are rejected; nothing is written outside DIR", async () => {
    const url = (n: string) => `http://127.0.0.1:9/${n}.git`;
    gh.rawPages = [
      JSON.stringify([
        { id: 1, name: "../x", clone_url: url("x") },
        { id: 2, name: "-uexploit", clone_url: url("u") },
        { id: 3, name: "a\nb", clone_url: url("ab") },
        { id: 4, name: ".hidden", clone_url: url("h") },
        { id: 5, name: "x/../../y", clone_url: url("y") },
        { id: 6, name: "opt", clone_url: "--upload-pack=touch /tmp/chime-pwned" },
        { id: 7, name: "cred", clone_url: "http://user:pw@127.0.0.1:9/c.git" },
        "not an object",
      ]),
    ];
    const outside = readdirSync(tmp.path).sort();
    const run = await runJob([dir, "--github-user", "octo", "--github-api", gh.api, "--retries", "0"], {
      stateDir: join(tmp.path, "state"),
    });
    expect(readdirSync(tmp.path).sort()).toEqual([...outside, "state"].sort());
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync("/tmp/chime-pwned")).toBe(false);
    const rejected = run.records.filter((r) => r.msg === "GitHub listing entry rejected");
    expect(rejected).toHaveLength(8);
    // rejected names are logged escaped: one log record stays one line
    expect(run.text.split("\n").every((l) => l === "" || l.startsWith("{"))).toBe(true);
    expect(run.result.status).toBe("ok");
  });

  test("a huge page is refused without reading it all", async () => {
    gh.rawPages = [`[${'{"id":1,"name":"a","clone_url":"http://127.0.0.1:9/a.git"},'.repeat(300_000)}{}]`];
    const run = await runJob([dir, "--github-user", "octo", "--github-api", gh.api], { stateDir: join(tmp.path, "state") });
    expect(run.result.status).toBe("warning");
    expect(run.result.summary).toMatch(/larger than \d+ bytes/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
