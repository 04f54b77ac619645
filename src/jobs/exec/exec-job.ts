import { OUTPUT_TAIL_BYTES, type Environment, type Job, type JobContext, type JobResult, type JobStatus } from "../job.js";
import { runProcess } from "../process-runner.js";
import { LineSplitter } from "./line-splitter.js";

export interface ExecCommand {
  readonly command: string;
  readonly args: readonly string[];
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

/** The user's command, through the process runner: its own group, TERM → grace → KILL on abort. */
export class ExecJob implements Job {
  readonly name = "exec";

  constructor(private readonly cmd: ExecCommand) {}

  async run(ctx: JobContext): Promise<JobResult> {
    const { command, args, env } = this.cmd;
    let lastLine = "";
    let lines = 0;
    const tail = new OutputTail(OUTPUT_TAIL_BYTES);
    // The command's lines are data, never a message of chime's: each is the value of a
    // `stdout=`/`stderr=` field (quoted when not a plain word), so a printed
    // "run ok: … status=ok" cannot pass for chime's own summary line.
    const out = new LineSplitter((line) => {
      lines++;
      lastLine = line;
      tail.add(line);
      ctx.log.info({ stdout: line });
    });
    const err = new LineSplitter((line) => {
      lines++;
      tail.add(line);
      ctx.log.info({ stderr: line });
    });
    const o = await runProcess({
      argv: [command, ...args],
      env,
      signal: ctx.signal,
      ...(ctx.graceMs !== undefined ? { graceMs: ctx.graceMs } : {}),
      ...(ctx.processes ? { processes: ctx.processes } : {}),
      log: ctx.log,
      onStdout: (c) => out.push(c),
      onStderr: (c) => err.push(c),
    });
    out.end();
    err.end();
    if (o.spawnError !== undefined) return { status: "unknown", summary: `cannot run ${command}: ${o.spawnError}` };
    const last = lastLine === "" ? "" : `: ${lastLine.slice(0, 200)}`;
    const metrics = { exit_code: o.code ?? -1, output_lines: lines };
    const output = lines > 0 ? { outputTail: tail.text() } : {};
    // an aborted run did not do its work, even if the command took TERM and exited 0
    if (o.stoppedBy !== undefined) {
      return {
        status: "critical",
        summary: `stopped (${o.stoppedBy}) ${o.signal ? `by ${o.signal}` : `exit ${o.code}`}${last}`,
        metrics,
        ...output,
      };
    }
    if (o.signal !== null) return { status: "critical", summary: `killed by ${o.signal}${last}`, metrics, ...output };
    return { status: statusOfExit(o.code), summary: `exit ${o.code}${last}`, metrics, ...output };
  }
}

/** The last `max` bytes of whole lines (a longer last line keeps its end), stdout and stderr in order. */
class OutputTail {
  private lines: string[] = [];
  private bytes = 0;
  constructor(private readonly max: number) {}
  add(line: string): void {
    this.lines.push(line);
    this.bytes += Buffer.byteLength(line) + 1;
    while (this.bytes > this.max && this.lines.length > 1) this.bytes -= Buffer.byteLength(this.lines.shift()!) + 1;
  }
  text(): string {
    const all = this.lines.join("\n") + "\n";
    const b = Buffer.from(all);
    return b.length <= this.max ? all : b.subarray(b.length - this.max).toString("utf8");
  }
}
