// Daemon benchmarks (issue 3 §6). Each prints
//   bench <name>: chime <value> <unit>, <anchor> <value> <unit>, ratio <r>
// (The idle RSS of a service is in memory.bench.ts.)
// 1. daemon-rss-growth: RSS growth over 10 000 simulated hourly runs (fake clock, trivial job,
//    in this process) after 10 000 warm-up runs, with a garbage collection at both ends,
//    against the 2 MB target.
// 2. log-lines: lines/s through the TAI64N text destination into a pipe, against pino's own JSON
//    with a synchronous destination into the same kind of pipe (target ratio ≥ 0.7).
import { spawn } from "node:child_process";
import { Writable } from "node:stream";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import pino from "pino";
import { Daemon } from "../../src/daemon/daemon.js";
import type { SleepFn } from "../../src/daemon/loop-env.js";
import { MemoryStateStore } from "../support/memory-state-store.js";
import { createLog } from "../../src/log/logger.js";
import { parseSchedule } from "../../src/schedule/schedule.js";
import { instantFromMs, instantToMs, type Instant } from "../../src/time/instant.js";
import { tz } from "../zones.js";

const MB = 1024 * 1024;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function benchGrowth(): Promise<void> {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  // Warm-up runs first: V8 grows its young generation to the allocation rate and compiles
  // the hot paths; that one-time growth is not what "growth per run" asks about.
  const WARMUP = 10_000;
  const RUNS = 10_000;
  let nowMs = Date.parse("2026-01-01T00:30:00Z");
  const clock = { now: (): Instant => instantFromMs(nowMs) };
  // a sleep that lets the simulated time jump straight to the target (setImmediate: no deep stack)
  const sleep: SleepFn = (target, opts) =>
    new Promise((resolve) =>
      setImmediate(() => {
        if (opts?.signal?.aborted) return resolve("aborted");
        nowMs = Math.max(nowMs, instantToMs(target));
        resolve("due");
      }),
    );
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const chimeLog = createLog({ out: sink, clockMs: () => nowMs });
  let runs = 0;
  let measureAt = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const job = {
    name: "trivial",
    run: async () => {
      runs++;
      if (runs === WARMUP) measureAt = runs;
      if (runs === WARMUP + RUNS) done();
      return { status: "ok" as const, summary: "nothing to do" };
    },
  };
  const daemon = new Daemon(
    { clock, sleep, zone: tz("Europe/Berlin"), hostname: "bench", store: new MemoryStateStore(), environment: process.env },
    chimeLog,
    { catchUp: true, graceMs: 1000 },
  );
  daemon.start([{ tag: "hourly", job, schedule: parseSchedule(",M=0"), what: "trivial", splayMs: 0, fingerprint: "x" }]);
  // RSS after a full GC, sampled every 1000 runs; growth = the least-squares slope over the
  // measured runs, so one late page-in of malloc or V8 code space does not decide the result
  const samples: Array<[number, number]> = [];
  const sample = () => {
    gc();
    samples.push([runs, process.memoryUsage().rss]);
  };
  while (measureAt === 0) await new Promise((r) => setImmediate(r));
  sample();
  const heapBefore = process.memoryUsage().heapUsed;
  let next = WARMUP + 1000;
  while (runs < WARMUP + RUNS) {
    await new Promise((r) => setImmediate(r));
    if (runs >= next) {
      sample();
      next += 1000;
    }
  }
  await finished;
  await daemon.stop("TERM");
  const heapGrowth = (process.memoryUsage().heapUsed - heapBefore) / MB;
  const n = samples.length;
  const mx = samples.reduce((a, [x]) => a + x, 0) / n;
  const my = samples.reduce((a, [, y]) => a + y, 0) / n;
  const slope = samples.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / samples.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  // signed: a negative slope means RSS shrank while the runs went on
  const growth = (slope * RUNS) / MB;
  const raw = (samples[n - 1]![1] - samples[0]![1]) / MB;
  console.log(
    `bench daemon-rss-growth-10k-runs: chime ${growth.toFixed(2)} MB, target 2.00 MB, ratio ${(Math.max(0, growth) / 2).toFixed(2)}`,
  );
  console.log(`  (first-to-last RSS ${raw.toFixed(2)} MB, heap used ${heapGrowth.toFixed(2)} MB, ${n} samples)`);
}

// --- log throughput: each variant in its own child process writing to a pipe we drain ---
const LINES = 200_000;

function writer(kind: string): void {
  const t0 = performance.now();
  const finish = () => process.stderr.write(JSON.stringify({ ms: performance.now() - t0 }) + "\n");
  if (kind === "text") {
    const l = createLog({ capBytes: 1 << 30 }).forJob("git-backup");
    for (let i = 0; i < LINES; i++) l.info({ repo: "mirror/foo.git", n: i }, "fetched");
    // the destination hands lines to stdout; done when the pipe has taken them all
    const wait = () => (process.stdout.writableLength === 0 ? finish() : process.stdout.once("drain", wait));
    wait();
  } else {
    const l = pino({ base: null }, pino.destination({ dest: 1, sync: true })).child({ job: "git-backup" });
    for (let i = 0; i < LINES; i++) l.info({ repo: "mirror/foo.git", n: i }, "fetched");
    finish();
  }
}

function timeWriter(kind: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [process.argv[1]!, "writer", kind], { stdio: ["ignore", "pipe", "pipe"] });
    let lines = 0;
    child.stdout.on("data", (c: Buffer) => {
      for (let i = c.indexOf(10); i !== -1; i = c.indexOf(10, i + 1)) lines++;
    });
    let err = "";
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("close", (code) => {
      if (code !== 0 || lines !== LINES) return reject(new Error(`${kind} writer: exit ${code}, ${lines} lines, ${err}`));
      resolve(LINES / ((JSON.parse(err.trim().split("\n").at(-1)!) as { ms: number }).ms / 1000));
    });
  });
}

async function benchLogLines(): Promise<void> {
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < 5; i++) {
    ours.push(await timeWriter("text"));
    theirs.push(await timeWriter("json"));
  }
  const a = median(ours);
  const b = median(theirs);
  console.log(
    `bench log-lines: chime ${(a / 1000).toFixed(0)}k lines/s, pino-json ${(b / 1000).toFixed(0)}k lines/s, ratio ${(a / b).toFixed(2)}`,
  );
}

if (process.argv[2] === "writer") {
  writer(process.argv[3]!);
} else {
  await benchGrowth();
  await benchLogLines();
}
