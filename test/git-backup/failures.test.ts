import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, test } from "vitest";
import { git, withGit } from "./helpers/git-fixtures.js";
import { gitBackupStage } from "./helpers/git-backup-stage.js";
import { runJob } from "./helpers/run-job.js";
import { freePort } from "./helpers/servers.js";

withGit.describe("transient and permanent failures, and credentials in old remote URLs", () => {
  const stage = gitBackupStage("gb-fail");
  const { tmp, dir } = stage;
  let closedPort: number;

  const mirror = (name: string, url: string) => {
    git(dir, "init", "--quiet", "--bare", name);
    git(join(dir, name), "remote", "add", "origin", url);
  };

  beforeAll(async () => {
    closedPort = await freePort();
    mirror("refused.git", `git://127.0.0.1:${closedPort}/x.git`);
    mirror("missing.git", stage.daemon.url("no-such-repo.git"));
  });

  test("connection refused is retried with back-off; 'no such repository' is not", async () => {
    const started = Date.now();
    const run = await runJob([dir, "--retries", "2", "--retry-delay", "100ms"], { stateDir: join(tmp.path, "state") });
    expect(run.repo("refused.git")).toMatchObject({ status: "failed", attempts: 3 });
    // back-off 100 ms then 400 ms
    expect(Number(run.repo("refused.git")?.ms)).toBeGreaterThanOrEqual(500);
    expect(run.repo("missing.git")?.status).toBe("failed");
    expect(run.repo("missing.git")?.attempts).toBeUndefined();
    expect(String(run.repo("missing.git")?.error)).toMatch(/no such repository/);
    expect(run.result.status).toBe("critical");
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test("a password in a remote URL is removed from the config, and never logged", async () => {
    mirror("secret.git", `http://someone:hunter2-secret@127.0.0.1:${closedPort}/x.git`);
    const run = await runJob([dir, "--retries", "0"], { stateDir: join(tmp.path, "state") });
    expect(String(run.repo("secret.git")?.notes)).toMatch(/removed credentials from remote URL/);
    expect(run.text).not.toContain("hunter2");
    expect(readFileSync(join(dir, "secret.git", "config"), "utf8")).not.toContain("hunter2");
    expect(git(join(dir, "secret.git"), "config", "remote.origin.url")).toBe(`http://127.0.0.1:${closedPort}/x.git`);
  });
});
