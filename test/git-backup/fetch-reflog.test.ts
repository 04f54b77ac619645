import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect } from "vitest";
import { fetchArgs } from "../../src/jobs/git-backup/fetch-mirror.js";
import { reflogSaysFastForward } from "../../src/jobs/git-backup/fetch-reflog.js";
import { git, gitStatus, refsOf, tempDir, testGitEnv, Upstream, withGit } from "./helpers/git-fixtures.js";

const tmp = tempDir("gb-reflog");
afterAll(() => tmp.remove());

const branches = (repo: string): Map<string, string> => refsOf(repo, "refs/heads");

withGit.it("the fetch's reflog says fast-forward exactly where git merge-base finds the old tip an ancestor", () => {
  const root = join(tmp.path, "up");
  mkdirSync(root);
  const up = new Upstream(root, "r", tmp.path);
  up.commit();
  for (const b of ["a", "b", "c"]) git(up.work, "branch", b);
  up.push("main", "a", "b", "c");
  const mirror = join(tmp.path, "r.git");
  git(tmp.path, "clone", "--quiet", "--mirror", up.bare, mirror);
  git(mirror, "config", "core.logallrefupdates", "always");
  let seed = 7;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  let forwards = 0;
  let rewrites = 0;
  for (let round = 0; round < 24; round++) {
    for (const b of ["main", "a", "b", "c"]) {
      const r = random();
      if (r < 0.3) continue;
      git(up.work, "checkout", "--quiet", b);
      // a force-push: back two commits (where there are two), then a new commit on top
      if (r > 0.7)
        git(up.work, "reset", "--quiet", "--hard", gitStatus(up.work, "rev-parse", "--verify", "-q", "HEAD~2") === 0 ? "HEAD~2" : "HEAD");
      up.commit();
      up.push(b);
    }
    const before = branches(mirror);
    // chime's own fetch command line: the reflog message is git's words for it
    execFileSync("git", fetchArgs(), { cwd: mirror, env: testGitEnv, stdio: "ignore" });
    const after = branches(mirror);
    for (const [ref, older] of before) {
      const newer = after.get(ref);
      if (newer === undefined || newer === older) continue;
      const ancestor = gitStatus(mirror, "merge-base", "--is-ancestor", older, newer) === 0;
      expect(reflogSaysFastForward(mirror, ref, older, newer)).toBe(ancestor);
      if (ancestor) forwards++;
      else rewrites++;
    }
  }
  // both kinds happened, so both answers were checked
  expect(forwards).toBeGreaterThan(5);
  expect(rewrites).toBeGreaterThan(5);
});

withGit.it("no log, another last entry, or a name that is not a plain branch: not a yes", () => {
  const repo = join(tmp.path, "plain.git");
  const work = join(tmp.path, "plain-work");
  git(tmp.path, "init", "--quiet", "-b", "main", work);
  git(work, "config", "core.logallrefupdates", "always");
  git(work, "commit", "--quiet", "--allow-empty", "-m", "one");
  const one = git(work, "rev-parse", "HEAD");
  git(work, "commit", "--quiet", "--allow-empty", "-m", "two");
  const two = git(work, "rev-parse", "HEAD");
  git(tmp.path, "init", "--quiet", "--bare", repo);
  // an update whose message is not the fetch's: a commit is a fast-forward, but not one git said so
  expect(reflogSaysFastForward(join(work, ".git"), "refs/heads/main", one, two)).toBe(false);
  // no log at all
  expect(reflogSaysFastForward(repo, "refs/heads/main", one, two)).toBe(false);
  // a log whose last entry says fast-forward for other values
  git(work, "update-ref", "-m", "fetch origin: fast-forward", "refs/heads/main", one);
  expect(reflogSaysFastForward(join(work, ".git"), "refs/heads/main", one, two)).toBe(false);
  expect(reflogSaysFastForward(join(work, ".git"), "refs/heads/main", two, one)).toBe(true);
  // only plain branch names reach a path
  for (const name of ["refs/tags/v1", "refs/heads/../../HEAD", "refs/heads//main", "refs/heads/./main", "HEAD"]) {
    expect(reflogSaysFastForward(join(work, ".git"), name, two, one)).toBe(false);
  }
  rmSync(join(work, ".git", "logs"), { recursive: true });
  expect(reflogSaysFastForward(join(work, ".git"), "refs/heads/main", two, one)).toBe(false);
});
