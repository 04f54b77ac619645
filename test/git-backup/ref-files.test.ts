import { join } from "node:path";
import { afterAll, expect } from "vitest";
import { readRefFiles } from "../../src/jobs/git-backup/ref-files.js";
import { git, refsOf, tempDir, withGit } from "./helpers/git-fixtures.js";

const tmp = tempDir("gb-reffiles");
afterAll(() => tmp.remove());

const forEachRef = (repo: string): Map<string, string> => refsOf(repo, "refs/heads", "refs/tags");

withGit.it("reading refs from files agrees with git for-each-ref: packed, loose, overridden, nested, annotated", async () => {
  const repo = join(tmp.path, "r.git");
  git(tmp.path, "init", "--quiet", "--bare", repo);
  const work = join(tmp.path, "w");
  git(tmp.path, "init", "--quiet", "-b", "main", work);
  const commits: string[] = [];
  for (let i = 0; i < 6; i++) {
    git(work, "commit", "--quiet", "--allow-empty", "-m", `c${i}`);
    commits.push(git(work, "rev-parse", "HEAD"));
  }
  git(work, "tag", "-a", "-m", "annotated", "v1", commits[1]!);
  git(work, "tag", "light", commits[2]!);
  for (const [i, name] of ["feature/deep/x", "release-1.0", "gone"].entries()) git(work, "update-ref", `refs/heads/${name}`, commits[i]!);
  git(work, "push", "--quiet", repo, "main", "feature/deep/x", "release-1.0", "gone", "v1", "light");
  git(repo, "pack-refs", "--all");
  // after packing: one ref moved loose (overrides packed), one deleted, one new loose
  git(repo, "update-ref", "refs/heads/release-1.0", commits[5]!);
  git(repo, "update-ref", "-d", "refs/heads/gone");
  git(repo, "update-ref", "refs/heads/new/loose", commits[4]!);
  git(repo, "update-ref", "refs/backup/x/heads/main", commits[0]!);
  expect(await readRefFiles(repo)).toEqual(forEachRef(repo));
  expect((await readRefFiles(repo))?.get("refs/heads/release-1.0")).toBe(commits[5]);
  expect((await readRefFiles(repo))?.has("refs/heads/gone")).toBe(false);
});

withGit.it("a symbolic ref under refs/heads is left to git", async () => {
  const repo = join(tmp.path, "s.git");
  git(tmp.path, "init", "--quiet", "--bare", repo);
  git(repo, "symbolic-ref", "refs/heads/alias", "refs/heads/main");
  expect(await readRefFiles(repo)).toBeUndefined();
});
