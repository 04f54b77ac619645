import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { git, gitStatus, tempDir, Upstream, withGit } from "./helpers/git-fixtures.js";
import { processesMentioning } from "./helpers/processes.js";
import { waitFor } from "../helpers/processes.js";
import { bundleRunOnce } from "./helpers/run-once-bundle.js";
import { startDelayProxy, type DelayProxy } from "./helpers/delay-proxy.js";
import { startGitDaemon, type GitDaemon } from "./helpers/servers.js";

/**
 * Whether a `git fetch` is running in one of `mirrors`: the fetch itself, by its argv, not any
 * git there (the config read before it comes first, before the journal is written; a kill then
 * has nothing to recover, and counting it made this test a bet on the machine's speed).
 */
function fetchRunningIn(mirrors: readonly string[]): boolean {
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (mirrors.includes(readlinkSync(`/proc/${pid}/cwd`)) && readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes("fetch"))
        return true;
    } catch {
      // gone
    }
  }
  return false;
}

withGit.describe("kill -9 of the job mid-fetch, 10 times in a row", () => {
  const tmp = tempDir("gb-kill");
  const root = join(tmp.path, "upstream");
  const work = join(tmp.path, "work");
  const dir = join(tmp.path, "backup");
  const stateDir = join(tmp.path, "state");
  let daemon: GitDaemon;
  let proxy: DelayProxy;
  let script: string;
  const ups: Upstream[] = [];
  const mirrors: string[] = [];

  beforeAll(async () => {
    for (const d of [root, work, dir]) mkdirSync(d);
    script = await bundleRunOnce(tmp.path);
    daemon = await startGitDaemon(root);
    proxy = await startDelayProxy(daemon.port, 20);
    for (const name of ["one", "two"]) {
      const up = new Upstream(root, name, work);
      up.commit();
      up.push();
      ups.push(up);
      // The proxy lives in this process: synchronous git through it would deadlock, so clone
      // directly and point the mirror at the proxy afterwards.
      git(dir, "clone", "--quiet", "--mirror", daemon.url(`${name}.git`), `${name}.git`);
      git(join(dir, `${name}.git`), "remote", "set-url", "origin", `git://127.0.0.1:${proxy.port}/${name}.git`);
      mirrors.push(join(dir, `${name}.git`));
    }
  });
  afterAll(async () => {
    await proxy.stop();
    await daemon.stop();
    tmp.remove();
  });

  const runOnce = async (): Promise<{ status: number | null; lines: Record<string, unknown>[] }> => {
    const child = spawn(process.execPath, [script, stateDir, dir, "--timeout", "20s"], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    const status = await new Promise<number | null>((r) => child.once("close", (code) => r(code)));
    return {
      status,
      lines: out
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    };
  };

  // 10 rounds of the job: about 100-400 s on a machine shared by many test runs. The limit is a
  // hang guard, not a speed requirement.
  test("every next run succeeds and no commit the mirrors ever had is lost", { timeout: 900_000 }, async () => {
    const mustKeep = new Set<string>();
    let recovered = 0;
    for (let i = 0; i < 10; i++) {
      // Rewrite history upstream each round: a kill at the wrong moment would lose the old tips.
      for (const up of ups) {
        for (const m of mirrors)
          for (const line of git(m, "for-each-ref", "--format=%(objectname)", "refs/heads", "refs/tags").split("\n"))
            if (line) mustKeep.add(line);
        git(up.work, "checkout", "--quiet", "--orphan", `tmp${i}`);
        up.commit(`rewrite ${i}`);
        git(up.work, "branch", "--quiet", "-M", "main");
        for (let b = 0; b < 20; b++) git(up.work, "branch", "--quiet", "-f", `b${i}-${b}`);
        up.push("main", ...Array.from({ length: 20 }, (_, b) => `b${i}-${b}`));
        if (i > 0) git(up.work, "push", "--quiet", "origin", ...Array.from({ length: 20 }, (_, b) => `:b${i - 1}-${b}`));
      }
      // Even rounds: the proxy holds a fetch (the first mirror's, or the second's) until the kill,
      // so the kill certainly lands mid-fetch, after that mirror's journal was written. Odd
      // rounds: the kill lands wherever a varied delay after the first fetch starts puts it.
      const holding = i % 2 === 0;
      if (holding) proxy.holdFrom(proxy.accepted() + ((i / 2) % 2));
      const heldAt = proxy.accepted() + ((i / 2) % 2);
      // --fetch-always: the held connection must be a fetch's, not a question to the upstream
      const child = spawn(process.execPath, [script, stateDir, dir, "--timeout", "60s", "--fetch-always"], { stdio: "ignore" });
      if (holding) {
        expect(await waitFor(() => proxy.accepted() > heldAt, 60_000, 5), "a fetch reached the held connection").toBe(true);
      } else {
        await waitFor(() => fetchRunningIn(mirrors), 60_000, 2);
        await new Promise((r) => setTimeout(r, (i * 37) % 120));
      }
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await exited;
      proxy.release();

      const next = await runOnce();
      expect(next.status, JSON.stringify(next.lines)).toBe(0);
      const summary = next.lines.at(-1);
      expect(summary).toMatchObject({ failed: 0, status: "ok" });
      for (const [k, up] of ups.entries()) expect(git(mirrors[k]!, "rev-parse", "refs/heads/main")).toBe(up.rev("main"));
      const finished = next.lines.filter((l) => /finished an interrupted run/.test(String(l.notes ?? ""))).length;
      if (holding) expect(finished, `round ${i}: the run after a kill mid-fetch finishes it`).toBeGreaterThanOrEqual(1);
      recovered += finished;
      // reachable from some ref (refs/backup included): safe from any gc
      const reachable = new Set(mirrors.flatMap((m) => git(m, "rev-list", "--all").split("\n")));
      for (const oid of mustKeep) expect(reachable.has(oid), `reachable ${oid}`).toBe(true);
    }
    // at least the five held kills landed after the journal was written, and the next run finished the job
    expect(recovered).toBeGreaterThanOrEqual(5);
    for (const m of mirrors) {
      git(m, "-c", "gc.reflogExpire=now", "-c", "gc.reflogExpireUnreachable=now", "gc", "--quiet", "--prune=now");
      expect(gitStatus(m, "fsck", "--full", "--no-progress")).toBe(0);
    }
    for (const oid of mustKeep)
      expect(
        mirrors.some((p) => gitStatus(p, "cat-file", "-e", oid) === 0),
        oid,
      ).toBe(true);
    expect(processesMentioning(dir)).toEqual([]);
  });
});
