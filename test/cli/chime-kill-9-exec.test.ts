/**
 * Issue: `kill -9` of chime during an exec run left the run's `sleep 12` orphaned (ppid 1),
 * and the next chime started a second one beside it. The run record now names the run's
 * process group; the next start ends it before anything else runs. The shipped bundle, the
 * issue's exact command line; what `ps` sees decides, not chime's word.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { alive, processesRunning, waitDead, waitFor, type PsRow as Proc } from "../helpers/processes.js";
import { ChimeProcess, isRoot, tempDir } from "./chime-spawn.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("kill -9 of chime during an exec run (shipped dist/bin/chime.cjs)", () => {
  // The exact command, and the same with a sleep that outlives any start-up delay: on a
  // very busy machine the new chime may start only after `sleep 12` has ended by itself, and
  // then there is nothing left to reap (no overlap is still asserted).
  it.each([
    ["12", false],
    ["120", true],
  ])(
    "exec -- sleep %s: the next start ends the orphaned run's process group before it runs the job again; never two sleeps at once",
    async (secs, mustReap) => {
      const sleeps = () => processesRunning(`sleep ${secs}`);
      const { dir, cleanup } = await tempDir("chime-kill9-");
      cleanups.push(cleanup);
      const strays: number[] = [];
      cleanups.push(async () => {
        for (const pid of strays) if (alive(pid)) process.kill(pid, "SIGKILL");
      });
      const args = [
        ...(isRoot ? ["--allow-root"] : []),
        "--state-dir",
        join(dir, "state"),
        "--grace",
        "2s",
        "--when",
        ",S/5",
        "exec",
        "--",
        "sleep",
        secs,
      ];

      const first = new ChimeProcess(args, { cwd: dir });
      cleanups.push(() => first.kill());
      await first.waitFor(/ run start /, 30_000);
      const orphanOf = (): Proc | undefined => sleeps().find((p) => p.ppid === first.child.pid);
      await waitFor(() => orphanOf() !== undefined, 5_000);
      const orphan = orphanOf();
      expect(orphan).toBeDefined();
      strays.push(orphan!.pid);
      // the run is in its own group, which the record names before anything else happens
      expect(orphan!.pgid).toBe(orphan!.pid);
      first.child.kill("SIGKILL");
      await first.exited;
      expect(alive(orphan!.pid)).toBe(true); // the reported situation: the old sleep lives on

      const second = new ChimeProcess(args, { cwd: dir });
      cleanups.push(() => second.kill());
      // Watch ps until the second chime's own sleep runs: at no sample two of this job's sleeps.
      let overlap: Proc[] = [];
      let fresh: Proc | undefined;
      const deadline = Date.now() + 30_000;
      while (fresh === undefined && Date.now() < deadline) {
        const ours = sleeps().filter((p) => p.pid === orphan!.pid || p.ppid === second.child.pid);
        if (ours.length > 1) overlap = ours;
        fresh = ours.find((p) => p.ppid === second.child.pid);
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(fresh, second.text).toBeDefined();
      strays.push(fresh!.pid);
      expect(overlap).toEqual([]);
      expect(alive(orphan!.pid)).toBe(false);

      // The log says so, before the first run of the new chime.
      const lines = second.lines;
      const reaped = lines.findIndex((l) => /ending their process group/.test(l) && l.includes(`pgid=${orphan!.pgid}`));
      const ended = lines.findIndex(
        (l) => /left-behind process group ended/.test(l) && l.includes(`pgid=${orphan!.pgid}`) && /by=TERM/.test(l),
      );
      const firstRun = lines.findIndex((l) => / run start /.test(l));
      if (mustReap || reaped >= 0) {
        expect(reaped, second.text).toBeGreaterThanOrEqual(0);
        expect(ended).toBeGreaterThan(reaped);
        expect(firstRun).toBeGreaterThan(ended);
        // Nor does it announce a wake before that.
        const firstPlan = lines.findIndex((l) => / next run: /.test(l));
        expect(firstPlan === -1 || firstPlan > ended).toBe(true);
      }

      // While a run is going on, the record names its group (what the next start needs).
      const rec = JSON.parse(readFileSync(join(dir, "state", "exec.json"), "utf8")) as {
        groups?: Array<{ pgid: number; started?: string }>;
      };
      expect(rec.groups?.map((g) => g.pgid)).toEqual([fresh!.pgid]);

      // TERM to the second chime: its run's group goes with it, within the grace.
      second.signal("SIGTERM");
      expect((await second.exited).code).toBe(0);
      expect(await waitDead(fresh!.pid, 5_000)).toBe(true);
    },
    90_000,
  );
});
