/**
 * A group's leader start time (one `ps` per process started) is there to prove, after a kill -9
 * of chime, that a group a run record names is still ours. A run once (`chime JOB`) keeps no
 * run record, so it must not pay for that: `chime git-backup` over N mirrors started N more
 * processes than its N fetches. A run whose record outlives it (the daemon's) still asks.
 */
import { describe, expect, it, vi } from "vitest";
import { runJob } from "../../src/daemon/run-job.js";
import type { Job, JobContext, JobResult } from "../../src/jobs/job.js";
import type { OwnedGroup } from "../../src/jobs/process-group.js";
import { runProcess, type ProcessTracker } from "../../src/jobs/process-runner.js";
import { createLog } from "../../src/log/logger.js";
import { systemClock } from "../../src/sleep/clock.js";
import { Capture } from "../log/capture.js";

/** starts three processes through the run's tracker, as git-backup does with its fetches */
const threeCommands: Job = {
  name: "three",
  async run(ctx: JobContext): Promise<JobResult> {
    for (let i = 0; i < 3; i++) {
      const o = await runProcess({ argv: ["true"], ...(ctx.processes ? { processes: ctx.processes } : {}) });
      if (o.code !== 0) return { status: "critical", summary: `true exited ${o.code}` };
    }
    return { status: "ok", summary: "ran three" };
  },
};

/** the ps runs that process-group.ts starts (through env(1)) while `f` runs */
async function psRunsDuring(f: () => Promise<unknown>): Promise<number> {
  const cp = process.getBuiltinModule("node:child_process");
  const spy = vi.spyOn(cp, "execFile");
  try {
    await f();
    return spy.mock.calls.filter(([file, args]) => file === "env" && Array.isArray(args) && args.includes("ps")).length;
  } finally {
    spy.mockRestore();
  }
}

const run = (processes?: ProcessTracker) =>
  runJob({
    job: threeCommands,
    log: createLog({ out: new Capture() }).forJob("three"),
    stateDir: "/nonexistent",
    now: () => systemClock.now(),
    reason: "once",
    stop: new AbortController().signal,
    ...(processes ? { processes } : {}),
  });

describe("leader start times are asked for only when a record keeps them", () => {
  it("a run once (no run record): no ps at all, the job's commands run as before", async () => {
    let status: string | undefined;
    expect(await psRunsDuring(async () => (status = (await run()).result.status))).toBe(0);
    expect(status).toBe("ok");
  });

  it("a run with a record that outlives it (the daemon's): one ps per process started", async () => {
    const recorded: OwnedGroup[] = [];
    const tracker: ProcessTracker = { record: (g) => recorded.push(g), release: () => {} };
    expect(await psRunsDuring(() => run(tracker))).toBe(3);
    expect(new Set(recorded.map((g) => g.pgid)).size).toBe(3);
  });

  it("a tracker that says it keeps no start times is not asked for them either", async () => {
    const tracker: ProcessTracker = { wantsStartTime: false, record: () => {}, release: () => {} };
    expect(await psRunsDuring(() => run(tracker))).toBe(0);
  });
});
