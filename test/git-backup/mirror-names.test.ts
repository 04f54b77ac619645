import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { git, tempDir, Upstream } from "./helpers/git-fixtures.js";
import { startFakeGithub, type FakeGithub } from "./helpers/github-api-server.js";
import { gitHttpHandler } from "./helpers/http-git-server.js";
import { runJob } from "./helpers/run-job.js";

/** What a mirror says it is: its GitHub id, its URL and its main branch. */
function identity(mirror: string): { id: string; url: string; main: string } {
  return {
    id: git(mirror, "config", "chime.githubid"),
    url: git(mirror, "config", "remote.origin.url"),
    main: git(mirror, "rev-parse", "refs/heads/main"),
  };
}

describe("two repositories with one name: each id owns exactly one mirror, at the path the plan chose (issue 8 §5)", () => {
  const tmp = tempDir("gb-names");
  const root = join(tmp.path, "upstream");
  const work = join(tmp.path, "work");
  let gh: FakeGithub;
  const ups: Record<string, Upstream> = {};
  const url = (name: string): string => `${gh.api}/${name}.git`;

  beforeAll(async () => {
    for (const d of [root, work]) mkdirSync(d);
    for (const n of ["tool-a", "tool-b", "app-first", "app-second"]) {
      ups[n] = new Upstream(root, n, work);
      ups[n].commit(n);
      ups[n].push();
    }
    gh = await startFakeGithub({ login: "octo", token: "unused", git: gitHttpHandler(root, []) });
  });
  afterAll(async () => {
    await gh.stop();
    tmp.remove();
  });

  test("first run, two ids named 'tool' (e.g. a user's and an org's): tool.git and tool-ID.git, each with its own id, URL and history", async () => {
    const dir = join(tmp.path, "backup-1");
    mkdirSync(dir);
    gh.repos = [
      { id: 201, name: "tool", clone_url: url("tool-a"), default_branch: "main" },
      { id: 202, name: "tool", clone_url: url("tool-b"), default_branch: "main" },
    ];
    const run = await runJob([dir, "--github-user", "octo", "--github-api", gh.api, "--retries", "0"], {
      stateDir: join(tmp.path, "state-1"),
    });
    expect(run.result.status).toBe("ok");
    expect(readdirSync(dir).sort()).toEqual(["tool-202.git", "tool.git"]);
    expect(identity(join(dir, "tool.git"))).toEqual({ id: "201", url: url("tool-a"), main: ups["tool-a"]!.rev("main") });
    expect(identity(join(dir, "tool-202.git"))).toEqual({ id: "202", url: url("tool-b"), main: ups["tool-b"]!.rev("main") });
  });

  test("a rename, then a new repository under the old name: the new one gets NAME-ID.git, created and fetched there, on every run", async () => {
    const dir = join(tmp.path, "backup-2");
    const stateDir = join(tmp.path, "state-2");
    mkdirSync(dir);
    const args = [dir, "--github-user", "octo", "--github-api", gh.api, "--retries", "0"];
    gh.repos = [{ id: 301, name: "app", clone_url: url("app-first"), default_branch: "main" }];
    expect((await runJob(args, { stateDir })).repo("app.git")?.status).toBe("new");

    gh.repos = [
      { id: 301, name: "app-renamed", clone_url: url("app-first"), default_branch: "main" },
      { id: 302, name: "app", clone_url: url("app-second"), default_branch: "main" },
    ];
    const run = await runJob(args, { stateDir });
    expect(run.result.status).toBe("ok");
    expect(run.repo("app-302.git")?.status).toBe("new");
    expect(readdirSync(dir).sort()).toEqual(["app-302.git", "app.git"]);
    expect(identity(join(dir, "app.git"))).toEqual({ id: "301", url: url("app-first"), main: ups["app-first"]!.rev("main") });
    expect(identity(join(dir, "app-302.git"))).toEqual({ id: "302", url: url("app-second"), main: ups["app-second"]!.rev("main") });

    const again = await runJob(args, { stateDir });
    expect(again.result.status).toBe("ok");
    expect(
      again.records
        .filter((r) => r.repo !== undefined)
        .map((r) => `${String(r.repo)} ${String(r.status)}`)
        .sort(),
    ).toEqual(["app-302.git unchanged", "app.git unchanged"]);
  });
});
