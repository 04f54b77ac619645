import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/processes.js";
import { CHIME, cleanEnv, tempDir } from "../cli/chime-spawn.js";

/**
 * The log reader misbehaving, with real processes (pino's broken-pipe tests are the model):
 * a reader that stalls, one that goes away (EPIPE), and stdout closed from the start.
 * chime must neither crash, nor block, nor hold unbounded memory.
 */
let tmp: { dir: string; cleanup: () => Promise<void> };
const pids: number[] = [];
beforeEach(async () => {
  tmp = await tempDir("chime-logpipe-");
});
afterEach(async () => {
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
  await tmp.cleanup();
});

const STAMPED = /^@[0-9a-f]{24} /;

async function runs(stateDir: string): Promise<number> {
  try {
    return (JSON.parse(await readFile(join(stateDir, "exec.json"), "utf8")) as { runs?: number }).runs ?? 0;
  } catch {
    return 0;
  }
}

describe("slow log reader", () => {
  it("a reader that keeps up slowly gets every line, in order (no EAGAIN loss)", async () => {
    const child = spawn(process.execPath, [CHIME, "exec", "--", "seq", "1", "5000"], { env: cleanEnv(), cwd: tmp.dir });
    pids.push(child.pid!);
    let text = "";
    child.stdout.on("data", (c: Buffer) => {
      text += c.toString();
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), 2);
    });
    // "close": the process has exited and its stdout has been read to the end
    const code = await new Promise<number | null>((r) => child.on("close", (c) => r(c)));
    expect(code).toBe(0);
    const lines = text.split("\n").filter(Boolean);
    for (const l of lines) expect(l).toMatch(STAMPED);
    const numbers = lines
      .map((l) => / info exec stdout=(\d+)$/.exec(l)?.[1])
      .filter((n) => n !== undefined)
      .map(Number);
    expect(numbers).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));
    expect(text).not.toMatch(/lines dropped/);
  });

  it("a stalled reader: lines beyond --log-buffer are dropped and counted, the count is logged when it is back", async () => {
    const total = 30000;
    // The job marks when it has written everything; by then chime has logged far more than its
    // stdout pipe and --log-buffer hold, so lines were dropped however slowly the machine ran.
    const done = join(tmp.dir, "job-done");
    const job = ["sh", "-c", 'seq 1 "$1"; : > "$2"', "sh", String(total), done];
    const child = spawn(process.execPath, [CHIME, "--log-buffer", "65536", "exec", "--", ...job], { env: cleanEnv(), cwd: tmp.dir });
    pids.push(child.pid!);
    let text = "";
    const closed = new Promise<number | null>((r) => child.on("close", (c) => r(c)));
    child.stdout.on("data", (c: Buffer) => (text += c.toString()));
    child.stdout.pause(); // stall: nothing is read until the job has written all its lines
    expect(await waitFor(() => existsSync(done), 60_000)).toBe(true);
    child.stdout.resume();
    // "close": the process has exited and its stdout has been read to the end
    const code = await closed;
    expect(code).toBe(0);
    const lines = text.split("\n").filter(Boolean);
    for (const l of lines) expect(l).toMatch(STAMPED);
    const notice = lines.filter((l) => / warn chime log reader was too slow, lines dropped dropped=\d+$/.test(l));
    expect(notice.length).toBeGreaterThanOrEqual(1);
    const dropped = notice.map((l) => Number(/dropped=(\d+)$/.exec(l)![1])).reduce((a, b) => a + b, 0);
    const numbers = lines
      .map((l) => / info exec stdout=(\d+)$/.exec(l)?.[1])
      .filter((n) => n !== undefined)
      .map(Number);
    expect(dropped).toBeGreaterThan(0);
    // every output line either arrived or was counted (the run's own start/summary lines may be among the dropped)
    expect(numbers.length + dropped).toBeGreaterThanOrEqual(total);
    expect(numbers.length + dropped).toBeLessThanOrEqual(total + 2);
    // what arrived is in order
    expect([...numbers].sort((a, b) => a - b)).toEqual(numbers);
  });
});

describe("a reader stalled for good", () => {
  it("TERM still stops the service: it exits after the flush timeout instead of waiting for the reader", async () => {
    const state = join(tmp.dir, "state-stalled");
    // Enough output to fill the pipe and the in-memory buffer, then nobody reads (svc -p on log/).
    // The job marks when it has written everything: from then on chime holds unflushed lines.
    const done = join(tmp.dir, "job-done");
    const job = ["sh", "-c", 'seq 1 20000; : > "$1"', "sh", done];
    const child = spawn(process.execPath, [CHIME, "--allow-root", "--state-dir", state, "--when", ",S/1", "exec", "--", ...job], {
      env: cleanEnv(),
      cwd: tmp.dir,
      stdio: ["ignore", "pipe", "ignore"],
    });
    pids.push(child.pid!);
    child.stdout.pause();
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    expect(await waitFor(() => existsSync(done), 60_000)).toBe(true);
    child.kill("SIGTERM");
    // Nobody ever reads: waiting for the reader would never end. The deadline is for the test
    // only; the 2 s flush timeout is what lets chime go.
    const code = await Promise.race([exited, new Promise<"still running">((r) => setTimeout(() => r("still running"), 60_000))]);
    expect(code).toBe(0);
    child.stdout.destroy();
  });
});

describe("vanished log reader and closed stdout", () => {
  it("the reader goes away (EPIPE): the service keeps running its job, and exits 0 on TERM", async () => {
    const state = join(tmp.dir, "state");
    const child = spawn(process.execPath, [CHIME, "--allow-root", "--state-dir", state, "--when", ",S/1", "exec", "--", "echo", "tick"], {
      env: cleanEnv(),
      cwd: tmp.dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    pids.push(child.pid!);
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    let text = "";
    child.stdout.on("data", (c: Buffer) => (text += c.toString()));
    expect(await waitFor(() => / run ok: /.test(text), 60_000)).toBe(true);
    child.stdout.destroy(); // our read end closes: the next write gets EPIPE
    const before = await runs(state);
    expect(await waitFor(async () => (await runs(state)) >= before + 2, 60_000)).toBe(true);
    const exit = new Promise<[number | null, string | null]>((r) => child.on("exit", (c, s) => r([c, s])));
    child.kill("SIGTERM");
    expect(await exit).toEqual([0, null]);
    expect(stderr).toBe("");
  });

  it("stdout closed from the start: the service runs and exits 0 on TERM", async () => {
    const state = join(tmp.dir, "state");
    const child = spawn(
      "sh",
      [
        "-c",
        'exec "$0" "$@" >&-',
        process.execPath,
        CHIME,
        "--allow-root",
        "--state-dir",
        state,
        "--when",
        ",S/1",
        "exec",
        "--",
        "echo",
        "tick",
      ],
      {
        env: cleanEnv(),
        cwd: tmp.dir,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    pids.push(child.pid!);
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    expect(await waitFor(async () => (await runs(state)) >= 2, 60_000)).toBe(true);
    const exit = new Promise<[number | null, string | null]>((r) => child.on("exit", (c, s) => r([c, s])));
    child.kill("SIGTERM");
    expect(await exit).toEqual([0, null]);
    expect(stderr).toBe("");
  });
});
