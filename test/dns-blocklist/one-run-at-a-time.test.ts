import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { killStarted, runBin, startBin } from "../cli/run-bin.js";
import { withUnbound } from "../helpers/unbound-server.js";
import { startBlocklistRig, type BlocklistRig } from "./helpers/blocklist-rig.js";

// Issue 13: a --rollback by hand while the service's run applies a new version (or two runs at
// once) must not interleave. The holder is a real `chime dns-blocklist` (npm run build) whose one
// source answers only when the test lets it: while its request waits, the run holds the lock.
withUnbound.describe("one dns-blocklist run at a time per state directory", () => {
  let rig: BlocklistRig;
  /** responses the held source owes; arrivals wakes whoever waits for the next request */
  const owed: ServerResponse[] = [];
  let arrived: (() => void) | undefined;
  beforeAll(async () => {
    rig = await startBlocklistRig();
    await writeFile(join(rig.dir, "first.txt"), "first.example\n");
    await writeFile(join(rig.dir, "second.txt"), "first.example\nsecond.example\n");
    rig.routes.set("/held.txt", (_req, res) => {
      owed.push(res);
      arrived?.();
    });
  });
  afterEach(() => {
    killStarted();
    for (const res of owed.splice(0)) res.destroy();
  });
  afterAll(async () => rig?.stop());

  const cliState = () => join(rig.dir, "cli-state");
  const jobDir = () => join(cliState(), "dns-blocklist");
  const lockFile = () => join(jobDir(), "blocklist.lock");
  const base = () => ["--state-dir", cliState(), "dns-blocklist", "--include", rig.include, "--unbound-conf", rig.unbound.config];

  /** A run of the job that stops inside its fetch (lock held) until the test answers for it. */
  async function startHeldUpdate() {
    const request = new Promise<void>((r) => (arrived = r));
    const run = startBin("chime", [...base(), rig.url("/held.txt")]);
    const ended = run.done.then((r) => {
      throw new Error(`the held run ended before its request came: ${r.status} ${r.stderr}`);
    });
    await Promise.race([request, ended]);
    ended.catch(() => {});
    return run;
  }

  const stateNow = async () => ({
    index: await readFile(join(jobDir(), "versions", "index.json"), "utf8"),
    include: await readFile(rig.include, "utf8"),
  });

  withUnbound.it("a rollback while an update holds the lock is refused naming the holder, and changes nothing", async () => {
    for (const list of ["first.txt", "second.txt"]) expect(runBin("chime", [...base(), join(rig.dir, list)]).status).toBe(0);
    const before = await stateNow();
    const update = await startHeldUpdate();

    const rollback = runBin("chime", [...base(), "--rollback"]);
    expect(rollback.status, rollback.stderr).toBe(2);
    expect(rollback.stdout.split("\n")[0]).toMatch(
      new RegExp(`^DNS-BLOCKLIST CRITICAL: blocklist is being updated by running process ${update.child.pid}\\b`),
    );
    expect(await stateNow()).toEqual(before);
    expect((await rig.ask("second.example")).rcode).toBe(3);

    // the holder goes on undisturbed, and its version is the next one
    owed.shift()!.end("third.example\n");
    const ended = await update.done;
    expect(ended.status, ended.stderr).toBe(0);
    expect(ended.stdout).toMatch(/^DNS-BLOCKLIST OK: version 3 applied/);
    expect(existsSync(lockFile())).toBe(false);
    const after = runBin("chime", [...base(), "--rollback"]);
    expect(after.stdout).toMatch(/^DNS-BLOCKLIST OK: rolled back to version 2 \(now version 4\)/);
  });

  withUnbound.it("a lock left by a run killed with -9 is taken over", async () => {
    const update = await startHeldUpdate();
    process.kill(-update.child.pid!, "SIGKILL");
    expect((await update.done).signal).toBe("SIGKILL");
    expect(JSON.parse(await readFile(lockFile(), "utf8"))).toMatchObject({ pid: update.child.pid });

    const rollback = runBin("chime", [...base(), "--rollback"]);
    expect(rollback.status, rollback.stderr).toBe(0);
    expect(rollback.stdout).toMatch(/^DNS-BLOCKLIST OK: rolled back to version /);
    expect(rollback.stderr).toContain("took over the lock of a run that was killed");
    expect(existsSync(lockFile())).toBe(false);
  });

  withUnbound.it("the lock is released after a run that failed", async () => {
    await rig.resetState();
    await mkdir(join(rig.stateDir, "versions"), { recursive: true });
    await writeFile(join(rig.stateDir, "versions", "index.json"), "{ not json");
    await expect(rig.run(["--rollback"])).rejects.toThrow(SyntaxError);
    expect(existsSync(join(rig.stateDir, "blocklist.lock"))).toBe(false);

    await rig.resetState();
    const refused = await rig.run(["--rollback"]);
    expect(refused.result.status).toBe("critical");
    expect(existsSync(join(rig.stateDir, "blocklist.lock"))).toBe(false);
    const next = await rig.run([join(rig.dir, "first.txt")]);
    expect(next.result.summary).toMatch(/^DNS-BLOCKLIST OK: version 1 applied/);
  });
});
