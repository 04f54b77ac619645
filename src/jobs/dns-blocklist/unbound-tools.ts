import { runProcess, type ProcessScope } from "../process-runner.js";

/** How this job reaches unbound: its two tools, and the configuration both are told about. */
export interface UnboundTarget {
  /** the include file this job owns */
  include: string;
  unboundConf: string;
  unboundControl: string;
  unboundCheckconf: string;
}

export interface ToolAnswer {
  ok: boolean;
  /** stdout and stderr, for the log and the problem text */
  output: string;
  ms: number;
}

/** No unbound tool takes long; one that hangs (a control socket nobody answers) must not hold the run. */
const TOOL_TIMEOUT_MS = 120_000;
/** Enough of a tool's output for a message; a 100 000-line answer is not kept. */
const MAX_OUTPUT = 64 * 1024;

async function run(argv: string[], scope: ProcessScope, input?: string): Promise<ToolAnswer> {
  const started = performance.now();
  let output = "";
  const keep = (c: Buffer): void => {
    if (output.length < MAX_OUTPUT) output += c.toString("utf8");
  };
  const r = await runProcess({
    ...scope,
    argv,
    ...(input !== undefined ? { input } : {}),
    timeoutMs: TOOL_TIMEOUT_MS,
    onStdout: keep,
    onStderr: keep,
  });
  const ms = performance.now() - started;
  if (r.spawnError !== undefined) return { ok: false, output: `cannot run ${argv[0]}: ${r.spawnError}`, ms };
  if (r.stoppedBy !== undefined) return { ok: false, output: `${argv[0]} stopped: ${r.stoppedBy}`, ms };
  // unbound-control exits 0 after a batch command even when lines of it failed; those say "error"
  const failedLine = /^error/m.test(output);
  return { ok: r.code === 0 && !failedLine, output: output.trim(), ms };
}

export function unboundControl(t: UnboundTarget, args: readonly string[], scope: ProcessScope, input?: string): Promise<ToolAnswer> {
  return run([t.unboundControl, "-c", t.unboundConf, ...args], scope, input);
}

export function unboundCheckconf(t: UnboundTarget, config: string, scope: ProcessScope): Promise<ToolAnswer> {
  return run([t.unboundCheckconf, config], scope);
}

/** The first line of a tool's complaint that says something, for a one-line problem. */
export function firstProblemLine(output: string): string {
  const lines = output
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  return lines.find((l) => /error|fatal|fail|refused|no such|cannot|unknown/i.test(l)) ?? lines[0] ?? "(no output)";
}
