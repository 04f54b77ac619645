import type { Logger } from "pino";
import { endGroup, isOurGroup, liveMembers } from "../jobs/process-group.js";
import type { ProcessTracker } from "../jobs/process-runner.js";
import { formatDurationMs } from "../time/duration-option.js";
import { fsErrorFields, type RunRecord, type StateStore } from "./run-state.js";

/**
 * The process groups a running run owns, kept in its run record so that the promise "never
 * two runs of one job at once" holds across a kill -9 of chime: the record is written as each
 * group starts (synchronously — the kill may come next), and the next chime ends what it
 * names before any job runs.
 */
export function recordGroups(store: StateStore, tag: string, record: () => RunRecord, log: Logger): ProcessTracker {
  const save = (): void => {
    try {
      store.saveNow(tag, record());
    } catch (e) {
      log.warn(fsErrorFields(e), "unable to write state file");
    }
  };
  const others = (pgid: number) => (record().groups ?? []).filter((g) => g.pgid !== pgid);
  return {
    record(g) {
      record().groups = [...others(g.pgid), g];
      save();
    },
    release(pgid) {
      const left = others(pgid);
      if (left.length > 0) record().groups = left;
      else delete record().groups;
      save();
    },
  };
}

/**
 * At start, before the first wake or catch-up: a run of the chime before us (killed with -9,
 * or gone past its grace) may still be going. End each group its record names — only if it
 * is provably still the one it started (process-group.ts) — with TERM, the grace, KILL; then
 * forget them. Never throws: a problem is logged and the job goes on.
 */
export async function reapLeftovers(store: StateStore, tag: string, log: Logger, graceMs: number): Promise<void> {
  let rec: RunRecord;
  try {
    // the job loop reads the record again and reports problems with it; stay quiet here
    rec = await store.load(tag, () => {});
  } catch {
    return;
  }
  if (!rec.groups?.length) return;
  for (const g of rec.groups) {
    if (!(await isOurGroup(g))) {
      if ((await liveMembers(g.pgid)).length > 0) {
        log.warn({ pgid: g.pgid }, "process group recorded by the previous run is no longer ours (pid reused); leaving it alone");
      }
      continue;
    }
    log.warn(
      { pgid: g.pgid, grace: formatDurationMs(graceMs) },
      "the previous chime left a run's processes behind; ending their process group",
    );
    const how = await endGroup(g.pgid, graceMs);
    log.warn({ pgid: g.pgid, by: how === "kill" ? "KILL" : "TERM" }, "left-behind process group ended");
  }
  delete rec.groups;
  try {
    await store.save(tag, rec);
  } catch (e) {
    log.warn(fsErrorFields(e), "unable to write state file");
  }
}
