/**
 * Issue 12 §4: catch-up that does not stampede — catch-up runs are delayed by the job's splay,
 * and within one service at most --max-concurrent start at once; the others queue in
 * planned-time order, each logged once.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { splayOffsetMs } from "../../src/daemon/next-wake.js";
import { MemoryStateStore } from "../support/memory-state-store.js";
import { StartGate } from "../../src/daemon/start-gate.js";
import type { Job, JobContext, JobResult } from "../../src/jobs/job.js";
import { instantToMs } from "../../src/time/instant.js";
import { advance, fakeDaemon, fakeWork, RecordingJob, scheduled } from "./harness.js";

const T0 = Date.parse("2026-06-01T10:00:00Z");

afterEach(() => {
  vi.useRealTimers();
});

/** twenty jobs share one of these: how many run at once, and who started when */
class Crowd {
  running = 0;
  most = 0;
  starts: { tag: string; atMs: number }[] = [];
  job(tag: string): Job {
    return {
      name: "crowd",
      run: async (ctx: JobContext): Promise<JobResult> => {
        this.starts.push({ tag, atMs: instantToMs(ctx.now()) });
        this.running++;
        this.most = Math.max(this.most, this.running);
        try {
          await fakeWork(10_000)(ctx);
          return { status: "ok", summary: "done" };
        } finally {
          this.running--;
        }
      },
    };
  }
}

describe("--max-concurrent", () => {
  it("20 jobs back from a power cut, cap 3: never more than 3 at once, each once, in planned-time order, 17 queued lines", async () => {
    vi.useFakeTimers({ now: T0 + 25 * 60_000 }); // 10:25: down since 09:59:59
    const store = new MemoryStateStore();
    const crowd = new Crowd();
    // job i runs at minute i of each hour: its missed run was planned for 10:i
    const jobs = Array.from({ length: 20 }, (_, i) => {
      const tag = `job${String(i).padStart(2, "0")}`;
      store.records.set(tag, { job: tag, handledThroughMs: T0 - 1000 });
      return scheduled(tag, `,M=${i}`, crowd.job(tag));
    });
    // started in an order unrelated to the plan: the order of the runs must not follow it
    const shuffled = [...jobs].sort(
      (a, b) => ((a.tag.charCodeAt(4) * 7 + a.tag.charCodeAt(3)) % 11) - ((b.tag.charCodeAt(4) * 7 + b.tag.charCodeAt(3)) % 11),
    );
    const { daemon, out } = fakeDaemon({ store, maxConcurrent: 3 });
    daemon.start(shuffled);
    await advance(5 * 60_000, 1000); // 7 rounds of 10 s each are needed; no slot is due before 11:00
    await daemon.stop("TERM");
    expect(crowd.most).toBe(3);
    expect(crowd.starts.map((s) => s.tag).sort()).toEqual(jobs.map((j) => j.tag));
    expect(crowd.starts.map((s) => s.tag)).toEqual(jobs.map((j) => j.tag)); // planned 10:00, 10:01, …
    expect(out.lines.filter((l) => /start-up run queued/.test(l))).toHaveLength(17);
    // each queued run is logged once: one line per tag
    const queuedTags = out.lines.filter((l) => /start-up run queued/.test(l)).map((l) => l.split(" ")[2]);
    expect(new Set(queuedTags).size).toBe(17);
  });

  it("TERM while runs wait in the queue: the waiting ones never start", async () => {
    vi.useFakeTimers({ now: T0 + 25 * 60_000 });
    const store = new MemoryStateStore();
    const crowd = new Crowd();
    const jobs = Array.from({ length: 5 }, (_, i) => {
      store.records.set(`j${i}`, { job: `j${i}`, handledThroughMs: T0 - 1000 });
      return scheduled(`j${i}`, `,M=${i}`, crowd.job(`j${i}`));
    });
    const { daemon } = fakeDaemon({ store, maxConcurrent: 2 });
    daemon.start(jobs);
    await advance(2000, 500);
    expect(crowd.starts).toHaveLength(2);
    expect(await daemon.stop("TERM")).toBe(true);
    await advance(60_000, 1000);
    expect(crowd.starts.map((s) => s.tag)).toEqual(["j0", "j1"]);
  });

  it("the gate alone: nothing granted until every starting loop arrived, then planned order, ties by tag, each told once", async () => {
    vi.useFakeTimers({ now: T0 });
    const gate = new StartGate(1);
    gate.expect(4);
    const never = new AbortController().signal;
    const told: string[] = [];
    const granted: string[] = [];
    const ask = (planned: number, tag: string) =>
      void gate
        .acquire(planned, tag, never, () => told.push(tag))
        .then((release) => {
          granted.push(tag);
          setTimeout(() => release?.(), 1000);
        });
    ask(30, "c");
    gate.arrived();
    ask(10, "b");
    gate.arrived();
    ask(10, "a");
    gate.arrived();
    await advance(1000, 250);
    expect(granted).toEqual([]); // the fourth loop has not said yet
    gate.arrived(); // it has no start-up run
    await advance(5000, 250);
    expect(granted).toEqual(["a", "b", "c"]);
    expect(told).toEqual(["b", "c"]);
  });
});

describe("catch-up delayed by the splay", () => {
  it("the catch-up run waits the job's splay offset (it ran at once before)", async () => {
    const start = T0 + 20 * 60_000;
    vi.useFakeTimers({ now: start });
    const store = new MemoryStateStore();
    store.records.set("hourly", { job: "hourly", handledThroughMs: T0 - 3_600_000 });
    const job = new RecordingJob();
    const { daemon, out } = fakeDaemon({ store });
    daemon.start([scheduled("hourly", ",M=0", job, { splayMs: 10 * 60_000 })]);
    const offset = splayOffsetMs("test-host", "hourly", 10 * 60_000);
    expect(offset).toBeGreaterThan(2000); // else this test proves nothing
    await advance(offset - 1000, 1000);
    expect(job.runsAtMs).toEqual([]);
    await advance(3000, 250);
    await daemon.stop("TERM");
    expect(job.runsAtMs).toHaveLength(1);
    expect(job.runsAtMs[0]).toBe(start + offset);
    expect(out.text).toMatch(/run start reason=catch-up slot=2026-06-01T10:00:00Z/);
  });
});
