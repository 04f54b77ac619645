import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, test } from "vitest";
import type { OwnedGroup } from "../../src/jobs/process-group.js";
import type { ProcessTracker } from "../../src/jobs/process-runner.js";
import { git, Upstream, withGit } from "./helpers/git-fixtures.js";
import { gitBackupStage } from "./helpers/git-backup-stage.js";
import { runJob } from "./helpers/run-job.js";

/** A tracker like the daemon's run record: every group recorded, and which are still held. */
function recordingTracker(): ProcessTracker & { recorded: Set<number>; held: Set<number> } {
  const recorded = new Set<number>();
  const held = new Set<number>();
  return {
    recorded,
    held,
    record: (g: OwnedGroup) => {
      recorded.add(g.pgid);
      held.add(g.pgid);
    },
    release: (pgid: number) => held.delete(pgid),
  };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

withGit.describe("git-backup starts every git through the one process runner (issue 10 §3)", () => {
  const stage = gitBackupStage("gb-runner");
  const { tmp, root, work, dir } = stage;
  const bin = join(tmp.path, "bin");
  const marks = join(tmp.path, "marks");
  let realGit: string;

  beforeAll(async () => {
    for (const d of [bin, marks]) mkdirSync(d);
    realGit = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
    const up = new Upstream(root, "repo", work);
    up.commit();
    up.push();
    git(dir, "clone", "--quiet", "--mirror", stage.daemon.url("repo.git"), "repo.git");
    // A `git` first on PATH that notes every call (its pid stays git's: exec) and, when
    // GIT_WRAPPER_HANG is set, plays a fetch that ignores TERM: TERM is noted, only KILL ends it.
    // The marks directory is written into the script: the reads run with a minimal environment.
    writeFileSync(
      join(bin, "git"),
      `#!/bin/sh
GIT_WRAPPER_MARKS='${marks}'
echo "$$ $*" >> "$GIT_WRAPPER_MARKS/calls"
case " $* " in
  *" fetch "*)
    if [ -n "$GIT_WRAPPER_HANG" ]; then
      trap 'echo TERM >> "$GIT_WRAPPER_MARKS/term"' TERM
      echo $$ > "$GIT_WRAPPER_MARKS/hung"
      while :; do sleep 0.05; done
    fi ;;
esac
exec "${realGit}" "$@"
`,
    );
    chmodSync(join(bin, "git"), 0o755);
  });

  const env = (extra: Record<string, string> = {}) => ({ PATH: `${bin}:${process.env.PATH}`, ...extra });
  // whole: a file seen the moment the shell created it is still empty (and pid 0 is us)
  const hungPidWritten = (): boolean => existsSync(join(marks, "hung")) && /^\d+\n$/.test(readFileSync(join(marks, "hung"), "utf8"));
  const clearMarks = (): void => {
    for (const f of readdirSync(marks)) execFileSync("rm", ["-f", join(marks, f)]);
  };
  const calls = (): { pid: number; args: string }[] =>
    readFileSync(join(marks, "calls"), "utf8")
      .trim()
      .split("\n")
      .map((l) => ({ pid: Number(l.slice(0, l.indexOf(" "))), args: l.slice(l.indexOf(" ") + 1) }));

  test("every git of a run, reads included (simple-git's config and ref reads were not), is in the run record and released when it ends", async () => {
    clearMarks();
    // A quoted value: the config is no longer plain enough to read without git (mirror-reader.ts)
    git(join(dir, "repo.git"), "config", "--local", "user.name", "A ; B");
    const tracker = recordingTracker();
    const run = await runJob([dir, "--retries", "0", "--fetch-always"], {
      stateDir: join(tmp.path, "state"),
      env: env(),
      processes: tracker,
    });
    expect(run.repo("repo.git")?.status).toBe("unchanged");
    const started = calls();
    // at least the config read and the fetch went through git here
    expect(started.some((c) => /\bconfig --local --get-regexp\b/.test(c.args))).toBe(true);
    expect(started.some((c) => /\bfetch\b/.test(c.args))).toBe(true);
    // each git leads its own group (detached): its pid is the group the run record holds
    for (const c of started) expect(tracker.recorded.has(c.pid), `not recorded: git ${c.args}`).toBe(true);
    expect([...tracker.held]).toEqual([]);
  });

  test("--grace (ctx.graceMs) is the time a git that ignores TERM gets before KILL: 0.3 s here, not a fixed 1.5 s", async () => {
    clearMarks();
    const ac = new AbortController();
    const running = runJob([dir, "--retries", "0", "--fetch-always"], {
      stateDir: join(tmp.path, "state2"),
      env: env({ GIT_WRAPPER_HANG: "1" }),
      signal: ac.signal,
      graceMs: 300,
    });
    await until("the fetch to start", hungPidWritten);
    const pid = Number(readFileSync(join(marks, "hung"), "utf8"));
    ac.abort("shutdown");
    const run = await running;
    expect(readFileSync(join(marks, "term"), "utf8")).toContain("TERM");
    expect(alive(pid)).toBe(false);
    const kill = run.records.find((r) => r.msg === "command ignored TERM, sending KILL to its process group");
    expect(kill).toMatchObject({ pgid: pid, grace_s: 0.3 });
    expect(run.repo("repo.git")).toMatchObject({ status: "failed", error: "stopped by shutdown, git killed" });
  });

  test("a --grace of 60 s is honoured: the git that ignored TERM is still there 3 s later (it was killed at 1.5 s)", async () => {
    clearMarks();
    const ac = new AbortController();
    const running = runJob([dir, "--retries", "0", "--fetch-always"], {
      stateDir: join(tmp.path, "state3"),
      env: env({ GIT_WRAPPER_HANG: "1" }),
      signal: ac.signal,
      graceMs: 60_000,
    });
    await until("the fetch to start", hungPidWritten);
    const pid = Number(readFileSync(join(marks, "hung"), "utf8"));
    ac.abort("shutdown");
    await until("TERM to reach it", () => existsSync(join(marks, "term")));
    // a lower bound, not a latency: within the grace nothing may KILL it, however slow the machine
    await new Promise((r) => setTimeout(r, 3000));
    expect(alive(pid)).toBe(true);
    process.kill(-pid, "SIGKILL");
    const run = await running;
    expect(run.records.some((r) => r.msg === "command ignored TERM, sending KILL to its process group")).toBe(false);
    expect(run.repo("repo.git")).toMatchObject({ status: "failed", error: "stopped by shutdown, git killed" });
  });
});

test("git-backup starts no process of its own: only the runner (and its group operations) import node:child_process in src/jobs, and simple-git is gone", () => {
  const importers: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (
        p.endsWith(".ts") &&
        /from "(node:)?child_process"|import\("(node:)?child_process"\)|getBuiltinModule\("(node:)?child_process"\)|from "simple-git"/.test(
          readFileSync(p, "utf8"),
        )
      )
        importers.push(p);
    }
  };
  walk("src/jobs");
  expect(importers.sort()).toEqual(["src/jobs/process-group.ts", "src/jobs/process-runner.ts"]);
  const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { dependencies?: Record<string, string> };
  expect(Object.keys(pkg.dependencies ?? {})).not.toContain("simple-git");
});
