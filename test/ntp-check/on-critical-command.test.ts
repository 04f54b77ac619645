import { afterEach, describe, expect, test } from "vitest";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand } from "../../src/jobs/ntp-check/on-critical.js";

const dirs: string[] = [];
const strays: number[] = [];
afterEach(async () => {
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe("the --on-critical command", () => {
  test("a restart that leaves a daemon holding the output pipe still finishes when the command exits", async () => {
    const dir = await mkdtemp(join(tmpdir(), "chime-oncrit-"));
    dirs.push(dir);
    const pidFile = join(dir, "daemon.pid");
    // The user's own restart script (ours runs it without a shell; the script is a shell script).
    // The "daemon" is a new session, out of our process group, with our stdout as its own.
    const script = `setsid sleep 30 & echo $! > ${pidFile}; echo restarted`;
    const started = Date.now();
    const r = await runCommand(["/bin/sh", "-c", script], undefined, 20_000);
    strays.push(Number(await readFile(pidFile, "utf8")));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r).toMatchObject({ code: 0, signal: null });
    expect(r.output).toBe("restarted\n");
  });

  test("a command that does not exist is reported, not thrown", async () => {
    const r = await runCommand(["/nonexistent/restart-ntpd"]);
    expect(r.code).toBeNull();
    expect(r.error).toMatch(/ENOENT/);
  });
});
