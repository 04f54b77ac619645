import { spawn } from "node:child_process";
import type { Environment, Job, JobContext, JobResult, JobStatus } from "../job.js";
import { LineSplitter } from "./line-splitter.js";
import { groupAlive, signalGroup } from "../process-group.js";

export interface ExecCommand {
  readonly command: string;
  readonly args: readonly string[];
  /** after TERM to the process group, how long before KILL */
  readonly killGraceMs: number;
  readonly env: Environment;
}

/**
 * Exit status → run status. 0/1/2/3 follow the Nagios plugin convention, so a Nagios plugin
 * runs unchanged; any other code, and death by a signal we did not send, is critical (the
 * command failed in a way it did not classify). A command that cannot be started at all
 * (missing, not executable) is unknown: nothing was checked.
 */
export function statusOfExit(code: number | null): JobStatus {
  if (code === 0) return "ok";
  if (code === 1) return "warning";
  if (code === 3) return "unknown";
  return "critical";
}

/** Node fires a longer timer after 1 ms; a grace of 24.8 days is "never" enough */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** how long to wait for output pipes after the group is gone (a daemonized grandchild may hold them) */
const PIPE_CLOSE_WAIT_MS = 1000;

export class ExecJob implements Job {
  readonly name = "exec";

  constructor(private readonly cmd: ExecCommand) {}

  run(ctx: JobContext): Promise<JobResult> {
    const { command, args, killGraceMs, env } = this.cmd;
    return new Promise<JobResult>((resolve) => {
      let lastLine = "";
      let lines = 0;
      let abortedBy: string | undefined;
      /** the run itself was aborted (timeout, shutdown), not just cleaned up after */
      let runAborted = false;
      let killTimer: NodeJS.Timeout | undefined;
      let settled = false;

      // No shell: the command and its arguments are passed as they are. Detached = its own
      // process group, so TERM/KILL reach everything it started.
      const child = spawn(command, [...args], {
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
        env: env as NodeJS.ProcessEnv,
      });
      const pgid = child.pid;

      // The command's lines are data, never a message of chime's: each is the value of a
      // `stdout=`/`stderr=` field (quoted when not a plain word), so a printed
      // "run ok: … status=ok" cannot pass for chime's own summary line.
      const out = new LineSplitter((line) => {
        lines++;
        lastLine = line;
        ctx.log.info({ stdout: line });
      });
      const err = new LineSplitter((line) => {
        lines++;
        ctx.log.info({ stderr: line });
      });
      child.stdout.on("data", (c: Buffer) => out.push(c));
      child.stderr.on("data", (c: Buffer) => err.push(c));

      const terminate = (why: string) => {
        if (pgid === undefined || abortedBy !== undefined) return;
        abortedBy = why;
        signalGroup(pgid, "SIGTERM");
        killTimer = setTimeout(() => {
          if (groupAlive(pgid)) {
            ctx.log.warn({ pgid, grace_s: killGraceMs / 1000 }, "command ignored TERM, sending KILL to its process group");
            signalGroup(pgid, "SIGKILL");
          }
        }, Math.min(killGraceMs, MAX_TIMER_MS));
      };
      const onAbort = () => {
        runAborted = true;
        terminate(abortReason(ctx.signal));
      };
      if (ctx.signal.aborted) onAbort();
      else ctx.signal.addEventListener("abort", onAbort, { once: true });

      const finish = (r: JobResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(killTimer);
        ctx.signal.removeEventListener("abort", onAbort);
        resolve(r);
      };

      child.on("error", (e: NodeJS.ErrnoException) => {
        // spawn failures (ENOENT, EACCES) come here and no "exit" follows
        if (child.pid === undefined) finish({ status: "unknown", summary: `cannot run ${command}: ${e.code ?? e.message}` });
      });

      child.on("exit", (code, signal) => {
        // Anything it left behind in its group is ours to clean up: no orphans.
        if (pgid !== undefined && groupAlive(pgid)) {
          if (abortedBy === undefined) ctx.log.warn({ pgid }, "command left processes behind, terminating them");
          terminate(abortedBy ?? "leftover processes");
        }
        waitForPipes(child.stdout, child.stderr, pgid).then(() => {
          out.end();
          err.end();
          const tail = lastLine === "" ? "" : `: ${lastLine.slice(0, 200)}`;
          const metrics = { exit_code: code ?? -1, output_lines: lines };
          // an aborted run did not do its work, even if the command took TERM and exited 0
          if (abortedBy !== undefined && (runAborted || signal !== null || code !== 0)) {
            finish({ status: "critical", summary: `stopped (${abortedBy}) ${signal ? `by ${signal}` : `exit ${code}`}${tail}`, metrics });
          } else if (signal !== null) {
            finish({ status: "critical", summary: `killed by ${signal}${tail}`, metrics });
          } else {
            finish({ status: statusOfExit(code), summary: `exit ${code}${tail}`, metrics });
          }
        });
      });
    });
  }
}

function abortReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  if (typeof r === "string") return r;
  if (r instanceof Error && r.message) return r.message;
  return "aborted";
}

function waitForPipes(a: NodeJS.ReadableStream & { destroy(): void; readableEnded: boolean; closed?: boolean }, b: typeof a, pgid: number | undefined): Promise<void> {
  const closed = (s: typeof a) => new Promise<void>((r) => (s.closed || s.readableEnded ? r() : s.once("close", () => r())));
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      // only give up on the pipes once the whole group is gone: a grandchild outside it holds them
      if (pgid === undefined || !groupAlive(pgid)) {
        clearInterval(timer);
        setTimeout(() => {
          a.destroy();
          b.destroy();
          resolve();
        }, PIPE_CLOSE_WAIT_MS).unref();
      }
    }, 100);
    void Promise.all([closed(a), closed(b)]).then(() => {
      clearInterval(timer);
      resolve();
    });
  });
}
