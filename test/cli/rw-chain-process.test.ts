// Chain mode as a real run script uses it: one Node process evaluates every rw-* link, and only
// the final program is a child, which inherits stdio, environment and our signals.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BIN, killStarted, runBin, startBin, waitCatches } from "./run-bin.js";
import { unixOfStamp } from "./tai-oracle.js";

const SIGALRM = 14;
/** whether the node the bins start under (#!/usr/bin/env node) execs the final program */
const hasExecve = spawnSync("node", ["-p", "typeof process.execve"], { encoding: "utf8" }).stdout.trim() === "function";

afterEach(killStarted);

describe("chain mode", () => {
  it("evaluates rw-add, rw-sub, rw-min, rw-max and rw-match in ONE process", async () => {
    const run = startBin(
      "rw-add",
      [
        "n",
        "d2S",
        "a",
        "rw-sub",
        "$a",
        "d1S",
        "b",
        `${BIN}/rw-min.cjs`,
        "$a",
        "$b",
        "lo",
        "/usr/local/bin/rw-max",
        "$a",
        "$b",
        "hi",
        "rw-match",
        "$hi",
        "",
        "m",
        "sh",
        "-c",
        'echo "$$ $PPID $a $b $lo $hi $m"',
      ],
      { TZ: "UTC" },
    );
    const r = await run.done;
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const [self, ppid, a, b, lo, hi, m] = r.stdout.trim().split(" ");
    // The final program's parent is the process we started (no link spawned another Node) — or,
    // on a Node with process.execve, the program is that process (rw-execve.test.ts).
    expect(Number(hasExecve ? self : ppid)).toBe(run.child.pid);
    const A = unixOfStamp(a!);
    const B = unixOfStamp(b!);
    expect(A.unix - B.unix).toBe(1);
    expect(A.nanos).toBe(B.nanos);
    expect(lo).toBe(b);
    expect(hi).toBe(a);
    // rw-match with no constraints: the first whole second at or after $hi.
    expect(unixOfStamp(m!)).toEqual({ unix: A.nanos > 0 ? A.unix + 1 : A.unix, nanos: 0 });
  });

  it("runs the issue's run script unchanged: rw-add n d1S … rw-match ,S/2 … rw-sleep … sh", () => {
    const start = Date.now() / 1000;
    const r = runBin("rw-add", [
      "n",
      "d1S",
      "now1s",
      "rw-match",
      "$now1s",
      ",S/2",
      "wake",
      "rw-sleep",
      "$wake",
      "sh",
      "-c",
      'echo "$wake"; date +%s.%N',
    ]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const [wakeHex, ranAt] = r.stdout.trim().split("\n");
    const wake = unixOfStamp(wakeHex!);
    expect(wake.nanos).toBe(0);
    expect(wake.unix % 2).toBe(0);
    expect(wake.unix).toBeGreaterThanOrEqual(Math.floor(start + 1));
    expect(wake.unix).toBeLessThanOrEqual(Math.ceil(start + 1) + 2);
    expect(Number(ranAt)).toBeGreaterThanOrEqual(wake.unix); // it slept until the wake time
  });

  it("passes stdin, stdout, stderr and the environment to the final program; PATH finds it", () => {
    const dir = mkdtempSync(join(tmpdir(), "chime-rw-path-"));
    try {
      writeFileSync(join(dir, "job"), '#!/bin/sh\nread line; echo "out:$line:$GREETING:$W"; echo "err:$0" >&2; exit 3\n', { mode: 0o755 });
      const r = runBin(
        "rw-add",
        ["n", "d0S", "W", "rw-sleep", "n", "job"],
        { GREETING: "hello", PATH: `${dir}:/usr/bin:/bin` },
        "from-stdin\n",
      );
      expect(r.status).toBe(3);
      expect(r.stdout).toMatch(/^out:from-stdin:hello:[0-9a-f]{24}\n$/);
      expect(r.stderr).toBe(`err:${join(dir, "job")}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the final program's exit status becomes ours", () => {
    for (const code of [0, 1, 42, 255]) {
      expect(runBin("rw-sleep", ["n", "sh", "-c", `exit ${code}`]).status).toBe(code);
      expect(runBin("rw-add", ["n", "d0S", "X", "sh", "-c", `exit ${code}`]).status).toBe(code);
    }
  });

  it.each(["SIGKILL", "SIGTERM", "SIGUSR1", "SIGSEGV"] as const)("death of the program by %s becomes ours", (sig) => {
    const r = runBin("rw-sleep", ["n", "sh", "-c", `kill -${sig.slice(3)} $$`]);
    expect(r.signal).toBe(sig);
    expect(r.stdout).toBe("");
  });
});

describe("SIGALRM", () => {
  it("ends rw-sleep early, then the program runs with SIGALRM ignored", async () => {
    const started = Date.now();
    const run = startBin("rw-add", ["n", "d1H", "later", "rw-sleep", "$later", "sh", "-c", "echo woke; kill -ALRM $$; echo survived"]);
    await waitCatches(run.child.pid!, SIGALRM);
    run.child.kill("SIGALRM");
    const r = await run.done;
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("woke\nsurvived\n");
    expect(r.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it("is the only way out of rw-sleep -", async () => {
    const run = startBin("rw-sleep", ["-", "sh", "-c", "echo ran"]);
    await waitCatches(run.child.pid!, SIGALRM);
    await new Promise((r) => setTimeout(r, 300));
    expect(run.stdout()).toBe(""); // still sleeping
    run.child.kill("SIGALRM");
    const r = await run.done;
    expect(r).toMatchObject({ status: 0, stdout: "ran\n", stderr: "" });
  });

  it("rw-sleep - with no program exits 0 when woken", async () => {
    const run = startBin("rw-sleep", ["-"]);
    await waitCatches(run.child.pid!, SIGALRM);
    run.child.kill("SIGALRM");
    expect(await run.done).toMatchObject({ status: 0, signal: null, stdout: "", stderr: "" });
  });

  it("without rw-sleep in the chain the program keeps the default action, as after exec", () => {
    const r = runBin("rw-add", ["n", "d0S", "X", "sh", "-c", "kill -ALRM $$; echo survived"]);
    expect(r.signal).toBe("SIGALRM");
    expect(r.stdout).toBe("");
  });

  it("a stamp in the past does not sleep; ALRM stays ignored for the job", () => {
    const r = runBin("rw-sleep", ["t1000000000", "sh", "-c", "kill -ALRM $$; echo survived"]);
    expect(r).toMatchObject({ status: 0, stdout: "survived\n" });
  });
});

describe("signals we receive are passed to the program", () => {
  it.each([
    ["SIGTERM", "TERM"],
    ["SIGINT", "INT"],
    ["SIGHUP", "HUP"],
  ] as const)("%s", async (sig, name) => {
    const script = `trap 'echo got-${name}; exit 7' ${name}; echo ready; while :; do sleep 0.05; done`;
    const run = startBin("rw-sleep", ["n", "sh", "-c", script]);
    await run.waitFor("ready");
    run.child.kill(sig);
    const r = await run.done;
    expect(r.stdout).toBe(`ready\ngot-${name}\n`);
    expect(r.status).toBe(7);
  });

  it("TERM while rw-sleep still sleeps ends it by TERM, and the program never runs", async () => {
    const run = startBin("rw-add", ["n", "d1H", "t", "rw-sleep", "$t", "sh", "-c", "echo ran"]);
    await waitCatches(run.child.pid!, SIGALRM); // up and sleeping
    run.child.kill("SIGTERM");
    const r = await run.done;
    expect(r.signal).toBe("SIGTERM");
    expect(r.stdout).toBe("");
  });

  it("a program killed by the forwarded TERM makes us die by TERM too", async () => {
    const run = startBin("rw-sleep", ["n", "sh", "-c", "echo ready; exec sleep 30"]);
    await run.waitFor("ready");
    run.child.kill("SIGTERM");
    const r = await run.done;
    expect(r.signal).toBe("SIGTERM");
  });
});
