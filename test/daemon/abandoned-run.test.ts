/**
 * Issue: `--timeout` and TERM must end a run even when the job's promise never settles (a
 * body read that ignored its abort hung a run past both). The daemon gives an aborted run the
 * grace period and a margin, then stops waiting: it logs that, naming the job, records the
 * run as unknown, and goes on (the next slot, or the exit). Real timers and a real state
 * directory; the job is a test-only Job whose run() never settles.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Daemon } from "../../src/daemon/daemon.js";
import { FileStateStore, type RunRecord } from "../../src/daemon/run-state.js";
import type { Job, JobContext, JobResult } from "../../src/jobs/job.js";
import { runProcess } from "../../src/jobs/process-runner.js";
import { createLog } from "../../src/log/logger.js";
import { systemClock } from "../../src/sleep/clock.js";
import { sleepUntil } from "../../src/sleep/sleep-until.js";
import { alive, waitDead, waitFor } from "../helpers/processes.js";
import { Capture } from "../log/capture.js";
import { scheduled } from "./harness.js";
import { tz } from "../zones.js";

/** run() never settles; optionally it first starts a process that ignores TERM, without a signal */
class HungJob implements Job {
  readonly name = "hung";
  pids: number[] = [];
  constructor(private readonly startChild = false) {}
  run(ctx: JobContext): Promise<JobResult> {
    if (this.startChild) {
      void runProcess({
        argv: ["sh", "-c", "trap '' TERM; echo $$; exec sleep 300"],
        ...(ctx.processes ? { processes: ctx.processes } : {}),
        onStdout: (b) => this.pids.push(...b.toString().split("\n").filter(Boolean).map(Number)),
      });
    }
    return new Promise<JobResult>(() => {});
  }
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setUp(graceMs: number) {
  const dir = await mkdtemp(join(tmpdir(), "chime-abandon-"));
  const store = new FileStateStore(dir);
  const out = new Capture();
  const daemon = new Daemon(
    { clock: systemClock, sleep: sleepUntil, zone: tz("UTC"), hostname: "test-host", store, environment: process.env },
    createLog({ out }),
    {
      catchUp: false,
      graceMs,
    },
  );
  cleanups.push(async () => {
    await daemon.stop("TERM");
    await rm(dir, { recursive: true, force: true });
  });
  const record = async (tag: string) => JSON.parse(await readFile(store.path(tag), "utf8")) as RunRecord;
  return { daemon, out, record };
}

const runStarts = (out: Capture, tag: string) => out.lines.filter((l) => l.includes(` ${tag} run start `)).length;

describe("a run whose promise never settles", () => {
  it("--timeout: the daemon stops waiting after the grace, logs it naming the job, records unknown, and runs the job again", async () => {
    const { daemon, out, record } = await setUp(300);
    daemon.start([scheduled("stuck", ",S/1", new HungJob(), { timeoutMs: 200 })]);
    expect(await waitFor(() => runStarts(out, "stuck") >= 2, 15_000)).toBe(true);
    const gaveUp = out.lines.find((l) => / error stuck run did not stop within the grace period; no longer waiting for it /.test(l));
    expect(gaveUp, out.text).toBeDefined();
    expect(gaveUp).toMatch(/reason="?timeout after 200ms"? /);
    expect(out.lines.some((l) => / warn stuck run unknown: did not stop within 300ms after timeout after 200ms; abandoned /.test(l))).toBe(
      true,
    );
    const rec = await record("stuck");
    expect(rec.lastStatus).toBe("unknown");
    expect(rec.lastSummary).toBe("did not stop within 300ms after timeout after 200ms; abandoned");
  }, 30_000);

  it("TERM: stop() ends within the grace and its margin, the run is recorded unknown, and its processes are killed", async () => {
    const graceMs = 400;
    const { daemon, out, record } = await setUp(graceMs);
    const job = new HungJob(true);
    daemon.start([scheduled("stuck", ",S/1", job)]);
    expect(await waitFor(() => job.pids.length > 0, 15_000)).toBe(true);
    const [pid] = job.pids;
    expect(alive(pid!)).toBe(true);
    const began = performance.now();
    // true: every job loop ended (before, a never-settling run made it give up: false)
    expect(await daemon.stop("TERM")).toBe(true);
    const tookMs = performance.now() - began;
    expect(tookMs).toBeGreaterThanOrEqual(graceMs);
    expect(out.lines.some((l) => / error stuck run did not stop within the grace period; no longer waiting for it /.test(l))).toBe(true);
    expect(out.text).not.toMatch(/a job did not stop within the grace period; exiting anyway/);
    const rec = await record("stuck");
    expect(rec.lastStatus).toBe("unknown");
    expect(rec.lastSummary).toBe("did not stop within 400ms after shutdown; abandoned");
    expect(rec.groups).toBeUndefined();
    // the sh that ignored TERM (and so outlived the abort) got KILL when the run was abandoned
    expect(await waitDead(pid!, 3000)).toBe(true);
  }, 30_000);
});
