import { Writable } from "node:stream";
import pino from "pino";
import { gitBackupSpec } from "../../../src/jobs/git-backup/spec.js";
import type { JobResult } from "../../../src/jobs/job.js";
import type { ProcessTracker } from "../../../src/jobs/process-runner.js";
import { instantFromMs } from "../../../src/time/instant.js";

export interface JobRun {
  result: JobResult;
  /** every log record, parsed */
  records: Record<string, unknown>[];
  /** the raw log text, for "the token appears nowhere" assertions */
  text: string;
  repo(name: string): Record<string, unknown> | undefined;
}

/**
 * Runs git-backup the way `chime git-backup DIR …` does: spec.create(args, env), then run(ctx)
 * with a real pino logger writing into a capture stream.
 */
export async function runJob(
  args: string[],
  opts: {
    env?: Record<string, string | undefined>;
    stateDir: string;
    signal?: AbortSignal;
    nowMs?: () => number;
    /** ctx.graceMs, as the daemon passes --grace */
    graceMs?: number;
    /** ctx.processes, as the daemon passes its run record's keeper */
    processes?: ProcessTracker;
  },
): Promise<JobRun> {
  let text = "";
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString("utf8");
      cb();
    },
  });
  const log = pino({ level: "debug", base: { job: "git-backup" } }, sink);
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...opts.env };
  const job = gitBackupSpec.create(args, env);
  const result = await job.run({
    log,
    signal: opts.signal ?? new AbortController().signal,
    now: () => instantFromMs(opts.nowMs ? opts.nowMs() : Date.now()),
    stateDir: opts.stateDir,
    ...(opts.graceMs !== undefined ? { graceMs: opts.graceMs } : {}),
    ...(opts.processes !== undefined ? { processes: opts.processes } : {}),
  });
  const records = text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { result, records, text, repo: (name) => records.find((r) => r.repo === name) };
}
