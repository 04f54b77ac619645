import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { gitErrorLine } from "../../src/jobs/git-backup/git-error-line.js";
import { git, tempDir, Upstream } from "./helpers/git-fixtures.js";
import { startHttpGitServer, type HttpGitServer } from "./helpers/http-git-server.js";
import { runJob } from "./helpers/run-job.js";
import { freePort, startGitDaemon, startSilentServer, type GitDaemon } from "./helpers/servers.js";

describe("the logged error is the line that says what went wrong (issue 9 §6)", () => {
  const tmp = tempDir("gb-errors");
  const root = join(tmp.path, "upstream");
  const dir = join(tmp.path, "backup");
  let daemon: GitDaemon;
  let http: HttpGitServer;
  let silent: { port: number; stop: () => Promise<void> };

  const mirror = (name: string, url: string): void => {
    git(dir, "init", "--quiet", "--bare", name);
    git(join(dir, name), "remote", "add", "origin", url);
  };

  beforeAll(async () => {
    mkdirSync(root);
    mkdirSync(dir);
    mkdirSync(join(tmp.path, "work"));
    const up = new Upstream(root, "private", join(tmp.path, "work"));
    up.commit();
    up.push();
    daemon = await startGitDaemon(root);
    http = await startHttpGitServer(root, "the-token", new Set(["private.git"]));
    silent = await startSilentServer();
    const closed = await freePort();
    mirror("refused-git.git", `git://127.0.0.1:${closed}/x.git`);
    mirror("refused-http.git", `http://127.0.0.1:${closed}/x.git`);
    mirror("unknown.git", daemon.url("no-such-repo.git"));
    mirror("auth.git", http.url("private.git"));
    mirror("hung.git", `git://127.0.0.1:${silent.port}/x.git`);
    mkdirSync(join(dir, "empty.git"));
  });
  afterAll(async () => {
    await silent.stop();
    await http.stop();
    await daemon.stop();
    tmp.remove();
  });

  test("closed port, unknown repository, authentication, hung server, not a repository: each error names its cause", async () => {
    const run = await runJob([dir, "--retries", "0", "--timeout", "3s"], { stateDir: join(tmp.path, "state") });
    const error = (name: string): string => String(run.repo(name)?.error);
    // was: error="Looking up 127.0.0.1 ... done."
    expect(error("refused-git.git")).toMatch(/^fatal: unable to connect to 127\.0\.0\.1: .*errno=Connection refused$/);
    expect(error("refused-http.git")).toMatch(
      /^fatal: unable to access 'http:\/\/127\.0\.0\.1:\d+\/x\.git\/': Failed to connect .*Couldn't connect to server$/,
    );
    expect(error("unknown.git")).toBe("fatal: remote error: no such repository: /no-such-repo.git");
    expect(error("auth.git")).toMatch(/^fatal: could not read Username for 'http:\/\/127\.0\.0\.1:\d+': terminal prompts disabled$/);
    expect(error("hung.git")).toBe("timed out after 3000 ms, git killed");
    expect(error("empty.git")).toBe("not a git repository: fatal: --local can only be used inside a git repository");
    for (const r of run.records.filter((x) => x.repo !== undefined)) expect(r.status).toBe("failed");
  });

  test("git missing from PATH: the spawn error, not 'not a git repository'", async () => {
    const run = await runJob([dir, "--retries", "0"], {
      stateDir: join(tmp.path, "state-nogit"),
      env: { PATH: join(tmp.path, "no-such-bin") },
    });
    // was: "not a git repository: …"
    expect(String(run.repo("unknown.git")?.error)).toBe("cannot run git: spawn git ENOENT");
    expect(String(run.repo("refused-git.git")?.error)).toBe("cannot run git: spawn git ENOENT");
  });

  test("a server's own text ('remote: fatal: …') never outranks git's line", () => {
    const stderr = "remote: fatal: all is well, nothing to see\nFrom git://h/x\nfatal: the remote end hung up unexpectedly\n";
    expect(gitErrorLine(stderr)).toBe("fatal: the remote end hung up unexpectedly");
  });
});
