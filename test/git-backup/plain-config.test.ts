import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { plainLocalConfig } from "../../src/jobs/git-backup/mirror-reader.js";
import { git, tempDir, withGit } from "./helpers/git-fixtures.js";

const tmp = tempDir("gb-plain-config");
afterAll(() => tmp.remove());

/** git's own answer, the reference: every local entry as `git config --local --get-regexp .` prints it. */
const gitsView = (mirror: string) => `${git(mirror, "config", "--local", "--get-regexp", ".")}\n`;

withGit.describe("the mirror's config read without starting git reads what git reads, or leaves it to git", () => {
  test("a mirror as chime creates it and one made by clone --mirror: the same entries as git config --get-regexp", async () => {
    const a = join(tmp.path, "a.git");
    git(tmp.path, "init", "--quiet", "--bare", a);
    for (const [k, v] of [
      ["remote.origin.url", "https://example.org/x/tool.git"],
      ["remote.origin.fetch", "+refs/heads/*:refs/heads/*"],
      ["core.logallrefupdates", "always"],
      ["gc.reflogexpire", "never"],
      ["chime.forgekey", "gitea https://codeberg.org/api/v1 1234"],
      ["Remote.Upper.URL", "http://h/CaseKept"],
    ])
      git(a, "config", "--local", "--add", k!, v!);
    expect(await plainLocalConfig(a)).toBe(gitsView(a));
    const b = join(tmp.path, "b.git");
    git(tmp.path, "clone", "--quiet", "--mirror", a, b);
    expect(await plainLocalConfig(b)).toBe(gitsView(b));
  });

  test("quotes, escapes, includes, old-style subsections, continuation lines and valueless keys are left to git", async () => {
    const cases = [
      '[x]\n\tv = "quoted ; value"\n',
      "[x]\n\tv = a\\\n b\n",
      "[include]\n\tpath = /etc/other\n",
      "[remote.origin]\n\turl = u\n",
      "[x]\n\tflag\n",
    ];
    for (const [i, extra] of cases.entries()) {
      const m = join(tmp.path, `odd${i}.git`);
      git(tmp.path, "init", "--quiet", "--bare", m);
      appendFileSync(join(m, "config"), extra);
      expect(await plainLocalConfig(m)).toBeUndefined();
    }
  });

  test("a directory git would not call a repository is left to git (and its error)", async () => {
    const d = join(tmp.path, "empty.git");
    mkdirSync(d);
    expect(await plainLocalConfig(d)).toBeUndefined();
  });
});
