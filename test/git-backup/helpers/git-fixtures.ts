import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requires } from "../../support/requires.js";

/**
 * The gate for tests that run git and serve it with `git daemon` (mirror locks read ps):
 * `withGit.describe(…)`. `withGitHttp` adds git's smart HTTP (`git http-backend`).
 */
export const withGit = requires("git", "git daemon", "ps");
export const withGitHttp = requires("git", "git daemon", "git http-backend", "ps");

/** Env for the test's own git commands: no user config, fixed identity. */
export const testGitEnv: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: tmpdir(),
  LC_ALL: "C",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.invalid",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.invalid",
};

export function git(cwd: string, ...args: string[]): string {
  withGit.assert();
  return execFileSync("git", args, { cwd, env: testGitEnv, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** For git talking to a server that lives in this process: a synchronous call would deadlock. */
export function gitAsync(cwd: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("git", args, { cwd, env: testGitEnv, encoding: "utf8" }, (err, stdout) => (err ? reject(err) : resolve(stdout.trim())));
  });
}

/** Exit code of a git command (for `merge-base --is-ancestor`, `cat-file -e`). */
export function gitStatus(cwd: string, ...args: string[]): number {
  try {
    execFileSync("git", args, { cwd, env: testGitEnv, stdio: "ignore" });
    return 0;
  } catch (err) {
    return (err as { status?: number }).status ?? -1;
  }
}

/** refname → object id of the refs under `prefixes`, as git itself lists them. */
export function refsOf(repo: string, ...prefixes: string[]): Map<string, string> {
  const out = git(repo, "for-each-ref", "--format=%(objectname) %(refname)", ...prefixes);
  return new Map(
    out
      .split("\n")
      .filter(Boolean)
      .map((l) => [l.slice(41), l.slice(0, 40)] as [string, string]),
  );
}

export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `chime-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * An upstream: a bare repository under `root` plus a work tree to commit from and push.
 * The work tree lives next to it, outside what the server exports.
 */
export class Upstream {
  readonly bare: string;
  readonly work: string;
  private n = 0;
  constructor(
    readonly root: string,
    readonly name: string,
    workRoot: string,
  ) {
    this.bare = join(root, `${name}.git`);
    this.work = join(workRoot, `${name}-work-${process.pid}-${Math.random().toString(36).slice(2)}`);
    git(root, "init", "--bare", "--quiet", "-b", "main", this.bare);
    git(root, "init", "--quiet", "-b", "main", this.work);
    git(this.work, "remote", "add", "origin", this.bare);
  }
  commit(message = `c${++this.n}`): string {
    git(this.work, "commit", "--quiet", "--allow-empty", "-m", `${message} ${this.n++}`);
    return git(this.work, "rev-parse", "HEAD");
  }
  push(...refspecs: string[]): void {
    git(this.work, "push", "--quiet", "--force", "origin", ...(refspecs.length ? refspecs : ["main"]));
  }
  rev(ref: string): string {
    return git(this.work, "rev-parse", ref);
  }
}

/** The commits of branchedHistory, by name. */
export interface BranchedHistory {
  A: string;
  B: string;
  C: string;
  F1: string;
  F2: string;
}

/**
 * The history the history-keeping tests rewrite, pushed to `up`: main A–B–C, the annotated tag
 * `rel` on A, the light tag `v1` on B, and `feature` F1–F2 branched from B.
 */
export function branchedHistory(up: Upstream): BranchedHistory {
  const A = up.commit("A");
  git(up.work, "tag", "-a", "-m", "release", "rel");
  const B = up.commit("B");
  git(up.work, "tag", "v1");
  const C = up.commit("C");
  git(up.work, "checkout", "--quiet", "-b", "feature", B);
  const F1 = up.commit("F1");
  const F2 = up.commit("F2");
  git(up.work, "checkout", "--quiet", "main");
  up.push("main", "feature", "v1", "rel");
  return { A, B, C, F1, F2 };
}
