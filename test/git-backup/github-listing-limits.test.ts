import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { listGithubRepos, ListingError, MAX_PAGE_BYTES } from "../../src/jobs/git-backup/github-listing.js";
import { tempDir } from "./helpers/git-fixtures.js";
import { startFakeGithub, type FakeGithub } from "./helpers/github-api-server.js";
import { runJob } from "./helpers/run-job.js";
import { serveHttp, trickle, type LoopbackHttp } from "../helpers/loopback-http.js";
import { waitFor } from "../helpers/processes.js";

const projectRoot = join(import.meta.dirname, "..", "..");

const servers: LoopbackHttp[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

/** A GitHub API that answers slowly or never: `api` is its base URL. */
async function slowApi(handler: Parameters<typeof serveHttp>[0]): Promise<LoopbackHttp & { api: string }> {
  const s = await serveHttp(handler);
  servers.push(s);
  return Object.assign(s, { api: s.url });
}

async function until(cond: () => boolean, what: string): Promise<void> {
  if (!(await waitFor(cond, 30_000, 10))) throw new Error(`never happened: ${what}`);
}

async function listingFailure(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ListingError);
  return (err as Error).message;
}

const never = new AbortController().signal;
const user = [{ kind: "user", name: "octo" }] as const;

describe("the GitHub listing ends by its deadlines", () => {
  test("a page trickled one byte a second ends at the per-request limit", async () => {
    const s = await slowApi(trickle(100_000));
    const msg = await listingFailure(
      listGithubRepos(
        { api: s.api, token: undefined, cache: { pages: {} }, signal: never, maxWaitMs: 0, nowMs: Date.now, requestTimeoutMs: 1500 },
        user,
      ),
    );
    expect(msg).toBe(`GitHub API ${s.api}/users/octo/repos?type=owner&per_page=100: no complete answer within 1.5 s`);
    await until(() => s.closed === 1, "the API sees the connection closed");
  });

  test("the whole listing ends at its overall limit, even when each request would be allowed longer", async () => {
    const s = await slowApi(trickle(100_000));
    const msg = await listingFailure(
      listGithubRepos(
        {
          api: s.api,
          token: undefined,
          cache: { pages: {} },
          signal: never,
          maxWaitMs: 0,
          nowMs: Date.now,
          requestTimeoutMs: 60_000,
          listingTimeoutMs: 2000,
        },
        user,
      ),
    );
    expect(msg).toBe("GitHub listing took longer than its limit of 2 s: stopped");
    await until(() => s.closed === 1, "the API sees the connection closed");
  });

  test("pages that each arrive in time but never end are stopped by the overall limit", async () => {
    // Each page is complete and quick; its Link always names one more page.
    const s = await slowApi((req, res, t) => {
      const page = Number(new URL(req.url ?? "/", "http://x").searchParams.get("page") ?? "1");
      setTimeout(() => {
        res.writeHead(200, { link: `<${t.url}/users/octo/repos?page=${page + 1}>; rel="next"` });
        res.end("[]");
      }, 400);
    });
    const msg = await listingFailure(
      listGithubRepos(
        {
          api: s.api,
          token: undefined,
          cache: { pages: {} },
          signal: never,
          maxWaitMs: 0,
          nowMs: Date.now,
          requestTimeoutMs: 60_000,
          listingTimeoutMs: 2500,
        },
        user,
      ),
    );
    expect(msg).toBe("GitHub listing took longer than its limit of 2.5 s: stopped");
    expect(s.paths.length).toBeGreaterThan(1);
  });

  test("shutdown ends a run whose listing is being trickled", async () => {
    const tmp = tempDir("gb-trickle");
    try {
      const dir = join(tmp.path, "backup");
      mkdirSync(dir);
      const s = await slowApi(trickle(100_000));
      const stop = new AbortController();
      const run = runJob([dir, "--github-user", "octo", "--github-api", s.api], { stateDir: join(tmp.path, "state"), signal: stop.signal });
      await until(() => s.sent >= 1, "the API is trickling");
      stop.abort("shutdown");
      const { result } = await run;
      expect(result.summary).toMatch(/GitHub API request stopped by shutdown/);
      await until(() => s.closed === 1, "the API sees the connection closed");
    } finally {
      tmp.remove();
    }
  });
});

describe("the GitHub listing is bounded in memory and in the state file", () => {
  const tmp = tempDir("gb-listing-size");
  const dir = join(tmp.path, "backup");
  let gh: FakeGithub;
  beforeAll(async () => {
    mkdirSync(dir);
    gh = await startFakeGithub({ login: "octo", token: "unused-token-value", perPage: 2 });
  });
  afterAll(async () => {
    await gh.stop();
    tmp.remove();
  });
  afterEach(() => {
    delete gh.rawPages;
    gh.repos = [];
  });

  const stateFile = (stateDir: string): string => join(stateDir, "git-backup.json");
  // forks: listed and remembered, but not cloned (no --include-forks)
  const fork = (id: number, extra: object = {}) => ({
    id,
    name: `f${id}`,
    clone_url: `http://127.0.0.1:9/f${id}.git`,
    fork: true,
    default_branch: "main",
    ...extra,
  });

  test("an oversized page is refused with the URL and the limit, and the state file stays small", async () => {
    const stateDir = join(tmp.path, "state-big");
    const entry = JSON.stringify(fork(1, { description: "d".repeat(1000) }));
    gh.rawPages = [`[${Array.from({ length: Math.ceil(MAX_PAGE_BYTES / entry.length) + 1 }, () => entry).join(",")}]`];
    const run = await runJob([dir, "--github-user", "octo", "--github-api", gh.api], { stateDir });
    expect(run.result.status).toBe("warning");
    expect(run.result.summary).toContain(
      `GitHub API ${gh.api}/users/octo/repos?type=owner&per_page=100: answer larger than ${4 * 1024 * 1024} bytes: refused`,
    );
    expect(statSync(stateFile(stateDir)).size).toBeLessThan(1024);
  });

  test("a page of 100 000 empty objects is refused before it is parsed", async () => {
    const stateDir = join(tmp.path, "state-dense");
    gh.rawPages = [`[${Array.from({ length: 100_000 }, () => "{}").join(",")}]`];
    const run = await runJob([dir, "--github-user", "octo", "--github-api", gh.api], { stateDir });
    expect(run.result.status).toBe("warning");
    expect(run.result.summary).toContain("per_page=100: more than 100 entries: refused");
  });

  test("the state file keeps ids, names, URLs, default branch and validators, never page bodies", async () => {
    const stateDir = join(tmp.path, "state-small");
    gh.repos = [1, 2, 3].map((id) => fork(id, { description: "x".repeat(20_000), owner: { login: "octo", bio: "y".repeat(20_000) } }));
    const first = await runJob([dir, "--github-user", "octo", "--github-api", gh.api], { stateDir });
    expect(first.result.status).toBe("ok");
    const text = readFileSync(stateFile(stateDir), "utf8");
    expect(text).not.toContain("xxxx");
    expect(text).not.toContain("yyyy");
    // three entries of ~40 KB each were listed; what is kept of them is a few hundred bytes
    expect(text.length).toBeLessThan(2048);
    const pages = (JSON.parse(text) as { github: { pages: Record<string, { repos: object[] }> } }).github.pages;
    const kept = Object.values(pages).flatMap((p) => p.repos);
    expect(kept).toEqual(
      [1, 2, 3].map((id) => ({
        id: String(id),
        name: `f${id}`,
        cloneUrl: `http://127.0.0.1:9/f${id}.git`,
        fork: true,
        archived: false,
        private: false,
        defaultBranch: "main",
        hasWiki: false,
      })),
    );
    // the next run asks conditionally and is answered from what was kept
    const before = gh.requests.length;
    const again = await runJob([dir, "--github-user", "octo", "--github-api", gh.api], { stateDir });
    expect(again.result.status).toBe("ok");
    expect(gh.requests.slice(before).map((r) => r.status)).toEqual([304, 304]);
  });

  test("a state file of the old format, with page bodies, is read without them", async () => {
    const stateDir = join(tmp.path, "state-old");
    mkdirSync(stateDir);
    gh.repos = [fork(7)];
    const url = `${gh.api}/users/octo/repos?type=owner&per_page=100`;
    writeFileSync(
      stateFile(stateDir),
      JSON.stringify({
        repos: {},
        reportedOthers: [],
        github: { pages: { [url]: { etag: '"old"', body: `[${"0,".repeat(500_000)}0]` } } },
      }),
    );
    const before = gh.requests.length;
    const run = await runJob([dir, "--github-user", "octo", "--github-api", gh.api], { stateDir });
    expect(run.result.status).toBe("ok");
    expect(gh.requests[before]?.ifNoneMatch).toBeUndefined();
    expect(statSync(stateFile(stateDir)).size).toBeLessThan(1024);
  });

  test("a hostile listing of many large pages does not crash chime under a 128 MB heap", async () => {
    const stateDir = join(tmp.path, "state-heap");
    // 24 pages just under the page limit: ~94 MB of bodies, which a cache of bodies (and the
    // state file written from it) cannot hold in 128 MB. The last page is dense: 1.3 million
    // empty objects, which JSON.parse alone would turn into ~70 MB of heap.
    const entry = JSON.stringify(fork(0, { description: "z".repeat(40_000) }));
    const big = `[${Array.from({ length: 99 }, (_, i) => entry.replace('"id":0', `"id":${i + 1}`).replace('"f0"', `"f${i + 1}"`)).join(",")}]`;
    expect(big.length).toBeLessThan(MAX_PAGE_BYTES);
    const dense = `[${"{},".repeat(Math.floor((MAX_PAGE_BYTES - 10) / 3))}{}]`;
    gh.rawPages = [...Array.from({ length: 24 }, () => big), dense];
    const before = gh.requests.length;
    // and what an earlier version left in the state file after such a listing: ~98 MB of page
    // bodies, which parsed would not fit either
    mkdirSync(join(stateDir, "git-backup"), { recursive: true });
    const oldPages = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`${gh.api}/old?page=${i}`, { etag: `"${i}"`, body: big }]));
    writeFileSync(
      join(stateDir, "git-backup", "git-backup.json"),
      JSON.stringify({ repos: {}, reportedOthers: [], github: { pages: oldPages } }),
    );
    const child = spawn(
      process.execPath,
      [
        "--max-old-space-size=128",
        join(projectRoot, "dist", "bin", "chime.cjs"),
        "--state-dir",
        stateDir,
        "git-backup",
        dir,
        "--github-user",
        "octo",
        "--github-api",
        gh.api,
      ],
      { stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH, HOME: process.env.HOME } },
    );
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on("exit", (c, s) => r([c, s])));
    expect(out).not.toMatch(/heap out of memory|allocation failed/i);
    expect(signal).toBeNull();
    // warning (1): the dense page is refused, the listing is reported failed, the run completes
    expect(code).toBe(1);
    expect(out).toContain("more than 100 entries: refused");
    expect(gh.requests.slice(before).filter((r) => r.status === 200).length).toBe(25);
    expect(readdirSync(dir)).toEqual([]);
    // what is kept: ~150 bytes for each of the 24 × 99 entries listed, no bodies
    const state = readFileSync(join(stateDir, "git-backup", "git-backup.json"), "utf8");
    expect(state).not.toContain("zzzz");
    expect(state.length).toBeLessThan(24 * 99 * 300);
  }, 180_000);
});
