import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LockBusyError, type PidLockRecord, takePidLock } from "../../src/jobs/pid-lock.js";
import { waitFor } from "../helpers/processes.js";

// The lock under git-backup's per-mirror lock and dns-blocklist's per-state-directory lock: who
// holds it is decided from its record (pid, host) and the process table, never from its age.
describe("an exclusive lock file naming its holder", () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "chime-pid-lock-"));
    path = join(dir, "x.lock");
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("held by a live process: refused naming it, and its record stays", async () => {
    const holder = spawn("sleep", ["30"], { stdio: "ignore" });
    const record = JSON.stringify({ pid: holder.pid, host: hostname() });
    writeFileSync(path, record);
    try {
      await expect(takePidLock(path, { busy: "thing is busy" })).rejects.toThrow(
        new LockBusyError(`thing is busy by running process ${holder.pid}`),
      );
      expect(readFileSync(path, "utf8")).toBe(record);
    } finally {
      holder.kill("SIGKILL");
    }
  });

  it("held on another host: refused (its pid means nothing here), even when no such pid runs here", async () => {
    writeFileSync(path, JSON.stringify({ pid: 2 ** 22 + 17, host: `not-${hostname()}` }));
    await expect(takePidLock(path, { busy: "thing is busy" })).rejects.toThrow(`by process ${2 ** 22 + 17} on host not-${hostname()}`);
  });

  it("held by this process already: refused, and free again once released", async () => {
    const lock = await takePidLock(path, { busy: "thing is busy" });
    expect(lock.tookOver).toBe(false);
    await expect(takePidLock(path, { busy: "thing is busy" })).rejects.toThrow("thing is busy by this process already");
    await lock.release();
    await (await takePidLock(path, { busy: "thing is busy" })).release();
  });

  it("left by a dead process: taken over, after the caller has seen the dead one's record", async () => {
    writeFileSync(path, JSON.stringify({ pid: 2 ** 22 + 17, host: hostname(), note: "left behind" }));
    const seen: (PidLockRecord | undefined)[] = [];
    const lock = await takePidLock(path, { busy: "thing is busy", extra: { mine: 1 }, beforeTakeover: async (r) => void seen.push(r) });
    expect(lock.tookOver).toBe(true);
    expect(seen).toEqual([{ pid: 2 ** 22 + 17, host: hostname(), note: "left behind" }]);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({ pid: process.pid, host: hostname(), mine: 1 });
    lock.rewrite({ mine: 2 });
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({ pid: process.pid, host: hostname(), mine: 2 });
    await lock.release();
  });

  it("left by a process killed but not yet reaped (a zombie): taken over", async () => {
    // sh starts a short child, then becomes `sleep`, which never reaps it: a zombie whose pid
    // still answers kill(pid, 0)
    const parent = spawn("sh", ["-c", "sleep 0.1 & echo $!; exec sleep 30"], { stdio: ["ignore", "pipe", "ignore"] });
    try {
      const zombie = Number(await new Promise<string>((r) => parent.stdout.once("data", (b: Buffer) => r(b.toString().trim()))));
      const state = () => readFileSync(`/proc/${zombie}/stat`, "utf8").replace(/^.*\) /, "")[0];
      expect(await waitFor(() => state() === "Z", 30_000)).toBe(true);
      writeFileSync(path, JSON.stringify({ pid: zombie, host: hostname() }));
      const lock = await takePidLock(path, { busy: "thing is busy" });
      expect(lock.tookOver).toBe(true);
      await lock.release();
    } finally {
      parent.kill("SIGKILL");
    }
  });
});
