/**
 * Issue: under svscan, `kill -9` of chime during an exec run left the run orphaned; supervise
 * restarted chime, which ran the job again beside it (15 s of overlap), and a TERM to the new
 * chime left the orphan alive. Here supervise restarts the killed chime, which must end the
 * orphan's group before its first run; ps, not chime's log, decides.
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processesRunning, type PsRow as Proc } from "../helpers/processes.js";
import { SvscanRig, isAlive, sleep, svc, svstat, tearDown, waitFor } from "./svscan-rig.js";

const builtChime = resolve("dist/bin/chime.cjs");
const isRoot = process.getuid?.() === 0;

let base: string;
let rig: SvscanRig | undefined;
const seenPids = new Set<number>();

describe.runIf(isRoot)("kill -9 of chime under a real svscan, during an exec run", () => {
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), "chime-svscan-kill9-"));
    mkdirSync(join(base, "sv"));
    rig = new SvscanRig(join(base, "sv"), join(base, "svscan.out"));
    rig.start({ PATH: "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin" });
  });

  afterAll(async () => {
    const { left, alive } = await tearDown(rig, seenPids, base);
    expect(left).toEqual([]);
    expect(alive).toEqual([]);
  });

  // The issue's `sleep 12`, and a sleep that outlives any start-up delay of a busy machine
  // (where the restarted chime may come up after `sleep 12` ended by itself: no overlap is
  // still asserted, the reap then has nothing to do).
  it.each([
    ["12", false],
    ["120", true],
  ])(
    "sleep %s: supervise restarts chime, which ends the orphaned group before its first run; TERM then leaves nothing",
    async (secs, mustReap) => {
      const sleeps = () => processesRunning(`sleep ${secs}`);
      // written aside, then moved in whole: svscan may scan at any moment
      const stage = join(base, `stage-${secs}`);
      const dir = join(base, "sv", `k9-${secs}`);
      mkdirSync(join(stage, "log"), { recursive: true });
      writeFileSync(
        join(stage, "run"),
        `#!/bin/sh\nexec 2>&1\nexec ${process.execPath} ${builtChime} --allow-root --state-dir ./state --grace 2s --when ,S/5 exec -- sleep ${secs}\n`,
        { mode: 0o755 },
      );
      writeFileSync(join(stage, "log", "run"), "#!/bin/sh\nexec multilog t ./main\n", { mode: 0o755 });
      renameSync(stage, dir);
      await rig!.watch(`k9-${secs}`, 15_000);
      const log = () => {
        try {
          return readFileSync(join(dir, "log", "main", "current"), "utf8");
        } catch {
          return "";
        }
      };

      // the first chime's run
      const firstChime = await waitFor("chime up", 10_000, () => svstat(dir).pid ?? undefined);
      seenPids.add(firstChime);
      const orphan = await waitFor("the first run's sleep", 15_000, () => sleeps().find((p) => p.ppid === firstChime));
      seenPids.add(orphan.pid);
      process.kill(firstChime, "SIGKILL");

      // supervise restarts it (about a second later); sample ps until the new chime's own sleep runs
      let overlap: Proc[] = [];
      let secondChime: number | undefined;
      let fresh: Proc | undefined;
      const deadline = Date.now() + 25_000;
      while (fresh === undefined && Date.now() < deadline) {
        const pid = svstat(dir).pid;
        if (pid !== null && pid !== firstChime) {
          secondChime = pid;
          seenPids.add(pid);
        }
        fresh = sleeps().find((p) => secondChime !== undefined && p.ppid === secondChime);
        // One ps listing is not one moment: it reads each process in turn, so under load it can
        // show the orphan alive and, read later, the new sleep after the orphan died. Asked
        // once the new sleep is known to run, an orphan still alive was alive beside it.
        if (fresh !== undefined && isAlive(orphan.pid)) overlap = [orphan, fresh];
        await sleep(20);
      }
      expect(fresh, log()).toBeDefined();
      seenPids.add(fresh!.pid);
      expect(overlap).toEqual([]);
      expect(isAlive(orphan.pid)).toBe(false);
      if (mustReap) await waitFor("the reap lines in the log", 5_000, () => /left-behind process group ended/.test(log()));
      const text = log();
      const ended = text.indexOf(`pgid=${orphan.pgid} by=TERM`);
      if (mustReap || ended >= 0) {
        expect(ended, text).toBeGreaterThan(0);
        expect(text.indexOf(" run start ", ended)).toBeGreaterThan(ended);
      }

      // svc -d: TERM to chime; its run's group must not outlive it by more than the grace
      svc("-d", dir);
      await waitFor("chime down", 10_000, () => !svstat(dir).up);
      await waitFor("the second run's sleep gone", 5_000, () => !isAlive(fresh!.pid));
      expect(sleeps().filter((p) => p.pid === orphan.pid || p.pid === fresh!.pid)).toEqual([]);
    },
    90_000,
  );
});
