import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import type { JobContext } from "../../../src/jobs/job.js";
import { instantFromMs } from "../../../src/time/instant.js";

/** A JobContext whose log lines land in an array, with a fresh temp state dir. */
export interface TestContext extends JobContext {
  readonly lines: string[];
  cleanup(): Promise<void>;
}

export async function testContext(nowMs: () => number = () => Date.now()): Promise<TestContext> {
  const stateDir = await mkdtemp(join(tmpdir(), "chime-ntp-state-"));
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split("\n")) if (l) lines.push((JSON.parse(l) as { msg: string }).msg);
      cb();
    },
  });
  const log = pino({ level: "debug" }, sink);
  return {
    log,
    signal: new AbortController().signal,
    now: () => instantFromMs(nowMs()),
    stateDir,
    lines,
    cleanup: () => rm(stateDir, { recursive: true, force: true }),
  };
}
