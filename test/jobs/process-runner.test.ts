/**
 * The one process runner (src/jobs/process-runner.ts) and the group operations under it
 * (src/jobs/process-group.ts): own group, abort/timeout → TERM → grace → KILL, a bounded
 * wait for pipes, the group record a run keeps for the next chime, and the proof that a
 * recorded group is still ours. Every check is made with ps/kill, not the runner's word.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runTool } from "../../src/jobs/ntp-check/local-daemon-view.js";
import { endGroup, isOurGroup, leaderStart, type OwnedGroup } from "../../src/jobs/process-group.js";
import { runProcess, runProcessSync } from "../../src/jobs/process-runner.js";
import { alive, waitDead, waitFor } from "../helpers/processes.js";

const strays: number[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const pid of strays.splice(0)) if (alive(pid)) process.kill(pid, "SIGKILL");
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const numbers = (text: string) => text.split("\n").filter(Boolean).map(Number);

describe("runProcess", () => {
  it("records the group with its leader's start time while it runs, and releases it when it is gone", async () => {
    const events: Array<[string, OwnedGroup | number]> = [];
    let out = "";
    // it runs until its start time has been recorded and it has said its pid, however long ps
    // takes on a busy machine (ps can answer before a starved shell has run its echo)
    const ctl = new AbortController();
    let recorded = false;
    const stopOnceBoth = (): void => {
      if (recorded && out.includes("\n")) ctl.abort("recorded");
    };
    const o = await runProcess({
      argv: ["sh", "-c", "echo $$; exec sleep 300"],
      signal: ctl.signal,
      processes: {
        record: (g) => {
          events.push(["record", g]);
          if (g.started !== undefined) {
            recorded = true;
            stopOnceBoth();
          }
        },
        release: (p) => events.push(["release", p]),
      },
      onStdout: (b) => {
        out += b.toString();
        stopOnceBoth();
      },
    });
    const [pid] = numbers(out);
    strays.push(pid!);
    expect(o).toMatchObject({ stoppedBy: "recorded", signal: "SIGTERM", timedOut: false });
    expect(alive(pid!)).toBe(false);
    // first the bare record (written before anything can wait), then with the start time
    expect(events.map(([e]) => e)).toEqual(["record", "record", "release"]);
    const [, first] = events[0] as [string, OwnedGroup];
    const [, second] = events[1] as [string, OwnedGroup];
    expect(first.pgid).toBe(pid); // its own group: the shell leads it
    expect(first.started).toBeUndefined();
    expect(second.started).toMatch(/^\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4}$/);
    expect(events[2]![1]).toBe(pid);
  });

  it("its own timeout ends the whole group, grandchildren included; TERM ignored → KILL after the grace", async () => {
    let out = "";
    const o = await runProcess({
      argv: ["sh", "-c", "trap '' TERM; sleep 300 & echo $!; echo $$; wait"],
      timeoutMs: 300,
      graceMs: 300,
      onStdout: (b) => (out += b.toString()),
    });
    const pids = numbers(out);
    strays.push(...pids);
    expect(o.timedOut).toBe(true);
    expect(o.stoppedBy).toBe("timeout after 300ms");
    expect(o.signal).toBe("SIGKILL");
    for (const pid of pids) expect(await waitDead(pid)).toBe(true);
  });

  it("a process that left the group (setsid) and holds stdout does not hang the run", async () => {
    const dir = await mkdtemp(join(tmpdir(), "chime-runner-"));
    dirs.push(dir);
    const pidFile = join(dir, "pid");
    const o = await runProcess({ argv: ["sh", "-c", `setsid sleep 30 & echo $! > ${pidFile}`], pipeWaitMs: 200 });
    strays.push(Number(await readFile(pidFile, "utf8")));
    expect(o).toMatchObject({ code: 0, signal: null });
  });

  it("'leave' keeps what a command left in its group when it exited on its own (a restarted daemon)", async () => {
    let out = "";
    const o = await runProcess({
      argv: ["sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $!"],
      leftovers: "leave",
      pipeWaitMs: 100,
      onStdout: (b) => (out += b.toString()),
    });
    const [daemon] = numbers(out);
    strays.push(daemon!);
    expect(o.leftBehind).toBe(true);
    expect(alive(daemon!)).toBe(true);
  });

  it("a command that cannot be started is reported, not thrown", async () => {
    const o = await runProcess({ argv: ["/nonexistent/chime-no-such-program"] });
    expect(o.spawnError).toBe("ENOENT");
    expect(o.code).toBeNull();
  });
});

describe("ntp-check's tools run in a group of their own", () => {
  it("a hanging ntpctl/chronyc is cut off with everything it started (before, only the tool itself was killed)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "chime-runner-"));
    dirs.push(dir);
    const pidFile = join(dir, "pid");
    await expect(runTool(["sh", "-c", `sleep 300 & echo $! > ${pidFile}; wait`], {}, 300)).rejects.toThrow(/no answer within 0.3 s$/);
    const child = Number(await readFile(pidFile, "utf8"));
    strays.push(child);
    expect(await waitDead(child)).toBe(true);
  });
});

describe("a recorded group is ended only while it is provably ours", () => {
  function startGroup(): number {
    const c = spawn("sh", ["-c", "sleep 300 & wait"], { detached: true, stdio: "ignore" });
    c.unref();
    strays.push(c.pid!);
    return c.pid!;
  }

  it("the leader's recorded start time matches: ours; another start time (a recycled pid): not ours", async () => {
    const pgid = startGroup();
    const spawnedMs = Date.now();
    let started: string | undefined;
    const readStart = async (): Promise<boolean> => {
      started = await leaderStart(pgid);
      return started !== undefined;
    };
    expect(await waitFor(readStart, 3000)).toBe(true);
    expect(await isOurGroup({ pgid, spawnedMs, started: started! })).toBe(true);
    expect(await isOurGroup({ pgid, spawnedMs })).toBe(true); // chime died before it read the start time
    expect(await isOurGroup({ pgid, spawnedMs, started: "Thu Jan  1 00:00:00 1970" })).toBe(false);
    expect(await isOurGroup({ pgid, spawnedMs: spawnedMs - 3_600_000 })).toBe(false);
    expect(alive(pgid)).toBe(true);
  });

  it("endGroup: TERM to the whole group, and it is gone", async () => {
    const pgid = startGroup();
    expect(await endGroup(pgid, 2000)).toBe("term");
    expect(await waitDead(pgid)).toBe(true);
    expect(await isOurGroup({ pgid, spawnedMs: Date.now() })).toBe(false);
  });
});

describe("runProcessSync (the start-up lookups)", () => {
  it("gives the exit status, the output and the input as sh(1) has them; no argv word reaches a shell", () => {
    const r = runProcessSync({
      argv: ["sh", "-c", 'read line; printf "%s|%s" "$line" "$0"; echo oops >&2; exit 3', "$(touch /nonexistent)"],
      input: "hello\n",
    });
    expect(r).toMatchObject({ code: 3, signal: null, stdout: "hello|$(touch /nonexistent)", stderr: "oops\n" });
    expect(r.spawnError).toBeUndefined();
  });

  it("a program that is not there: execve(2)'s ENOENT, not an exit status", () => {
    expect(runProcessSync({ argv: ["/nonexistent/chime-no-such-program"] })).toMatchObject({ code: null, spawnError: "ENOENT" });
  });

  it("its timeout ends it with TERM (Node's spawnSync default) and says ETIMEDOUT", () => {
    const r = runProcessSync({ argv: ["sleep", "30"], timeoutMs: 200 });
    expect(r).toMatchObject({ code: null, signal: "SIGTERM", spawnError: "ETIMEDOUT" });
  });

  it("the environment given is the child's whole environment", () => {
    expect(runProcessSync({ argv: ["/usr/bin/env"], env: { ONLY: "this" } }).stdout).toBe("ONLY=this\n");
  });
});
