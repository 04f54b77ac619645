import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { fetchWithRetries } from "../../src/jobs/git-backup/fetch-mirror.js";
import { gitEnvironment } from "../../src/jobs/git-backup/git-environment.js";
import { listGithubRepos, ListingError } from "../../src/jobs/git-backup/github-listing.js";
import { git, tempDir, withGit } from "./helpers/git-fixtures.js";
import { mirroredUpstream } from "./helpers/mirrored-upstream.js";
import { runJob } from "./helpers/run-job.js";
import { freePort } from "./helpers/servers.js";

const DAY_MS = 24 * 3600_000;

withGit.describe("git-backup reads time from the job's clock (ctx.now), not from Date.now (issue 10 §6)", () => {
  const fx = mirroredUpstream("gb-clock");

  test("ages: a git lock file and an unfinished mirror made just now are a day old when the job's clock says so", async () => {
    const mirror = join(fx.dir, "repo.git");
    // no lock of ours was left, so only files older than --timeout + 60 s count as stale
    writeFileSync(join(mirror, "packed-refs.lock"), "");
    const unfinished = join(fx.dir, ".chime-new-gone-0123abcd");
    mkdirSync(unfinished);
    const run = await runJob([fx.dir, "--timeout", "1m"], { stateDir: fx.stateDir, nowMs: () => Date.now() + DAY_MS });
    expect(existsSync(join(mirror, "packed-refs.lock"))).toBe(false);
    expect(existsSync(unfinished)).toBe(false);
    expect(run.repo("repo.git")?.status).toBe("unchanged");
    expect(String(run.repo("repo.git")?.notes)).toContain("removed stale packed-refs.lock");
  });

  test("the fetch's limit covers its retries on the job's clock: once that clock is past it, a transient failure is not retried", async () => {
    const tmp = tempDir("gb-clock-fetch");
    try {
      git(tmp.path, "init", "--quiet", "--bare", "refused.git");
      const mirror = join(tmp.path, "refused.git");
      git(mirror, "remote", "add", "origin", `git://127.0.0.1:${await freePort()}/x.git`);
      const start = Date.now();
      let spawned = 0;
      const out = await fetchWithRetries(
        mirror,
        gitEnvironment(process.env, mirror),
        { timeoutMs: 10 * 60_000, retries: 3, retryDelayMs: 10 },
        {
          signal: new AbortController().signal,
          onSpawn: () => spawned++,
          // the first attempt takes the whole 10 minutes, as far as the job's clock is concerned
          nowMs: () => start + (spawned > 0 ? 10 * 60_000 + 1 : 0),
        },
      );
      expect(out.failure).toBe("transient");
      expect(out.attempts).toBe(1);
      expect(spawned).toBe(1);
    } finally {
      tmp.remove();
    }
  });
});

describe("the GitHub listing's overall limit is on the job's clock", () => {
  test("a clock already past the limit stops the listing before any request", async () => {
    // nothing listens there: a request would fail with a connection error, not this message
    const api = `http://127.0.0.1:${await freePort()}`;
    const start = Date.now();
    let reads = 0;
    const err = await listGithubRepos(
      {
        api,
        token: undefined,
        cache: { pages: {} },
        signal: new AbortController().signal,
        maxWaitMs: 0,
        listingTimeoutMs: 2000,
        nowMs: () => start + (reads++ === 0 ? 0 : 2001),
      },
      [{ kind: "user", name: "octo" }],
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ListingError);
    expect((err as Error).message).toBe("GitHub listing took longer than its limit of 2 s: stopped");
  });
});
