import { spawn } from "node:child_process";
import { signalGroup } from "../process-group.js";

/** How long output may still trickle in after the command has exited. */
const OUTPUT_GRACE_MS = 500;

export interface CommandOutcome {
  readonly code: number | null;
  readonly signal: string | null;
  readonly output: string;
  readonly error?: string;
}

/**
 * Runs the remediation command (e.g. `svc -t /service/openntpd`) directly, never through a
 * shell, in its own process group so an abort kills whatever it started.
 */
export function runCommand(argv: readonly string[], signal?: AbortSignal, timeoutMs = 60_000): Promise<CommandOutcome> {
  return new Promise((resolve) => {
    const [cmd, ...args] = argv;
    const child = spawn(cmd!, args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    const collect = (b: Buffer): void => {
      if (output.length < 4096) output += b.toString("utf8");
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const kill = (): void => {
      if (child.pid !== undefined && child.exitCode === null) signalGroup(child.pid, "SIGKILL");
    };
    const timer = setTimeout(kill, timeoutMs);
    signal?.addEventListener("abort", kill, { once: true });
    let settled = false;
    const settle = (o: CommandOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", kill);
      resolve(o);
    };
    child.on("error", (err) => settle({ code: null, signal: null, output, error: err.message }));
    child.on("close", (code, sig) => settle({ code, signal: sig, output: output.slice(0, 4096) }));
    // A restart command leaves a daemon behind that may hold our output pipe open for ever
    // ("close" would never come): the command's own exit decides, its output gets a moment.
    child.on("exit", (code, sig) => {
      const grace = setTimeout(() => settle({ code, signal: sig, output: output.slice(0, 4096) }), OUTPUT_GRACE_MS);
      grace.unref();
    });
  });
}
