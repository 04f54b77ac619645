import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { git, Upstream, withGit } from "./helpers/git-fixtures.js";
import { gitBackupStage } from "./helpers/git-backup-stage.js";
import { processesMentioning } from "./helpers/processes.js";
import { runJob } from "./helpers/run-job.js";
import { startSilentServer } from "./helpers/servers.js";

withGit.describe("a server that accepts and never answers", () => {
  const stage = gitBackupStage("gb-hung");
  const { tmp, root, work, dir } = stage;
  let silent: Awaited<ReturnType<typeof startSilentServer>>;
  let up: Upstream;

  beforeAll(async () => {
    silent = await startSilentServer();
    up = new Upstream(root, "good", work);
    up.commit();
    up.push();
    git(dir, "clone", "--quiet", "--mirror", stage.daemon.url("good.git"), "good.git");
    for (const [name, url] of [
      ["hang-git.git", `git://127.0.0.1:${silent.port}/x.git`],
      ["hang-http.git", `http://127.0.0.1:${silent.port}/x.git`],
    ] as const) {
      git(dir, "init", "--quiet", "--bare", name);
      git(join(dir, name), "remote", "add", "origin", url);
    }
  });
  afterAll(async () => {
    await silent.stop();
  });

  test("the timeout kills git:// and http fetches with their helpers; the other mirror finishes", async () => {
    const c = up.commit();
    up.push();
    const started = Date.now();
    const run = await runJob([dir, "--timeout", "2s", "--concurrency", "3"], { stateDir: join(tmp.path, "state") });
    const elapsed = Date.now() - started;
    // Nothing may survive: not git, not git-remote-http (simple-git's SIGINT to git alone left it).
    expect(processesMentioning(String(silent.port))).toEqual([]);
    expect(processesMentioning(dir)).toEqual([]);
    expect(run.repo("good.git")?.status).toBe("updated");
    expect(git(join(dir, "good.git"), "rev-parse", "refs/heads/main")).toBe(c);
    for (const name of ["hang-git.git", "hang-http.git"]) {
      expect(run.repo(name)).toMatchObject({ status: "failed" });
      expect(String(run.repo(name)?.error)).toMatch(/timed out after 2000 ms/);
      expect(Number(run.repo(name)?.ms)).toBeGreaterThanOrEqual(1900);
    }
    expect(run.result.status).toBe("warning");
    // 2 s limit + the grace (5 s by default) at most, with room for a slow machine
    expect(elapsed).toBeLessThan(15_000);
  });

  test("--concurrency bounds the fetches at once, while more mirrors than that are under way", async () => {
    // Four mirrors of a server that never answers: every fetch holds its connection until the
    // timeout kills it, so the server sees how many ran at once. chime works on twice
    // --concurrency mirrors at a time (the others lock, snapshot and journal meanwhile), but
    // only --concurrency of them may be fetching.
    const server = await startSilentServer();
    try {
      const four = join(tmp.path, "four");
      mkdirSync(four);
      for (let i = 0; i < 4; i++) {
        git(four, "init", "--quiet", "--bare", `m${i}.git`);
        git(join(four, `m${i}.git`), "remote", "add", "origin", `git://127.0.0.1:${server.port}/m${i}.git`);
      }
      const run = await runJob([four, "--timeout", "3s", "--retries", "0", "--concurrency", "2"], {
        stateDir: join(tmp.path, "state-four"),
      });
      for (let i = 0; i < 4; i++) expect(String(run.repo(`m${i}.git`)?.error)).toMatch(/timed out after 3000 ms/);
      // two questions to the upstream first (one per slot; an origin that did not answer is not
      // asked again that run), then the four fetches: never more than two connections at once
      expect(server.counts()).toEqual({ accepted: 6, mostAtOnce: 2 });
      expect(processesMentioning(four)).toEqual([]);
    } finally {
      await server.stop();
    }
  });

  test("shutdown (ctx.signal) stops the run promptly and kills the fetches", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 500);
    const started = Date.now();
    const run = await runJob([dir, "--timeout", "60s", "--concurrency", "1"], { stateDir: join(tmp.path, "state2"), signal: ac.signal });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(processesMentioning(String(silent.port))).toEqual([]);
    expect(processesMentioning(dir)).toEqual([]);
    const failed = run.records.filter((r) => r.status === "failed").map((r) => String(r.error));
    expect(failed.some((e) => /shutdown/.test(e))).toBe(true);
    expect(run.result.status).not.toBe("ok");
  });
});
