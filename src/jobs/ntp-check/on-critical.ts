import { runProcess, type ProcessScope } from "../process-runner.js";

/** How long output may still trickle in after the command has exited. */
const OUTPUT_GRACE_MS = 500;
const MAX_OUTPUT = 4096;

export interface CommandOutcome {
  readonly code: number | null;
  readonly signal: string | null;
  readonly output: string;
  readonly error?: string;
}

/**
 * Runs the remediation command (e.g. `svc -t /service/openntpd`) directly, never through a
 * shell, through the process runner: an abort or the timeout ends whatever it started. What it
 * leaves behind when it exits on its own is left alone — that is the daemon it restarted —
 * and such a daemon holding our output pipe does not hold the run: its output gets a moment.
 */
export async function runCommand(argv: readonly string[], scope: ProcessScope = {}, timeoutMs = 60_000): Promise<CommandOutcome> {
  let output = "";
  const collect = (b: Buffer): void => {
    if (output.length < MAX_OUTPUT) output += b.toString("utf8");
  };
  const o = await runProcess({
    ...scope,
    argv,
    timeoutMs,
    leftovers: "leave",
    pipeWaitMs: OUTPUT_GRACE_MS,
    onStdout: collect,
    onStderr: collect,
  });
  output = output.slice(0, MAX_OUTPUT);
  if (o.spawnError !== undefined) return { code: null, signal: null, output, error: `cannot run ${argv[0]}: ${o.spawnError}` };
  return { code: o.code, signal: o.signal, output, ...(o.stoppedBy !== undefined ? { error: `stopped (${o.stoppedBy})` } : {}) };
}
