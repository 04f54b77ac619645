import { constants as osConstants } from "node:os";
import { EXIT_SYSTEM, Fatal } from "./die.js";
import { findProgram } from "./find-program.js";
import type { Env } from "./rw-programs.js";

/**
 * Runs the last word of a runwhen chain. Where Node has process.execve (22.15 and later) the
 * program replaces this process, as runwhen's execve(2) does: same pid, no Node left resident
 * while the job runs. On Node 20 a child process stands in for it: same stdio, same environment,
 * the signals a supervisor sends us passed on, and its exit status or death by signal becomes ours.
 */

/** What svc/sv/s6-svc send that a job may act on. STOP cannot be caught, so `svc -p` pauses only us. */
const FORWARDED: readonly NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM"];

/**
 * Ignoring SIGALRM for the job as runwhen does: an ignored disposition survives execve, but Node
 * resets every signal of a child to its default, so a tiny shell sets it and execs the program.
 * The program and its arguments are positional parameters ($0, $@), never part of the script.
 */
const IGNORE_ALARM_SCRIPT = 'trap "" ALRM; exec "$0" "$@"';

export type ProgramEnd = { readonly code: number } | { readonly signal: NodeJS.Signals };

export interface FinalProgram {
  readonly word: string;
  readonly args: readonly string[];
  readonly env: Env;
  readonly ignoreAlarm: boolean;
}

type Execve = (file: string, args: readonly string[], env: Record<string, string>) => never;

/** process.execve where this Node has it (22.15+, 23.11+); @types/node 20 does not know it. */
function nodeExecve(): Execve | undefined {
  const execve = (process as { execve?: Execve }).execve;
  return typeof execve === "function" ? execve.bind(process) : undefined;
}

/**
 * Becomes the program; returns only by throwing. Node resets every caught signal to its default
 * in the new image, so SIGALRM is ignored through the same small shell as below.
 * The warning: process.execve is experimental and says so through process.emitWarning, which
 * would print one unstamped line on stderr (the log, under a run script) — if its next tick ever
 * came, which the new image never lets happen. Silenced here on purpose, for this call only.
 */
function replaceProcess(execve: Execve, file: string, p: FinalProgram): never {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.env)) if (v !== undefined) env[k] = v;
  const [path, argv] = p.ignoreAlarm ? ["/bin/sh", ["sh", "-c", IGNORE_ALARM_SCRIPT, file, ...p.args]] : [file, [p.word, ...p.args]];
  const emitWarning = process.emitWarning;
  process.emitWarning = () => {};
  try {
    return execve(path, argv, env);
  } catch (err) {
    // Node releases that return the failure (later 22.x, 23.x+) instead of aborting
    throw new Fatal(EXIT_SYSTEM, `unable to run ${p.word}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  } finally {
    process.emitWarning = emitWarning;
  }
}

export async function runFinalProgram(p: FinalProgram): Promise<ProgramEnd> {
  // Checked before execve too: on the 22.x releases where a failed process.execve aborts the
  // whole process (SIGABRT, a native stack trace), this keeps the failure exit 111 with one line.
  const found = findProgram(p.word, p.env["PATH"]);
  if ("error" in found) {
    throw new Fatal(EXIT_SYSTEM, `unable to run ${p.word}: ${found.error}${found.error === "ENOENT" ? " (not found)" : ""}`);
  }
  const execve = nodeExecve();
  if (execve) replaceProcess(execve, found.file, p);
  // process-runner.ts is loaded only here: print mode and failed chains never pay for it (or
  // for child_process) at start-up
  const { runInForeground } = await import("../jobs/process-runner.js");
  const end = p.ignoreAlarm
    ? await runInForeground({ file: "/bin/sh", args: ["-c", IGNORE_ALARM_SCRIPT, found.file, ...p.args], env: p.env, forward: FORWARDED })
    : await runInForeground({ file: found.file, args: p.args, argv0: p.word, env: p.env, forward: FORWARDED });
  if ("spawnError" in end) throw new Fatal(EXIT_SYSTEM, `unable to run ${p.word}: ${end.spawnError}`);
  return end.signal ? { signal: end.signal } : { code: end.code ?? EXIT_SYSTEM };
}

/**
 * Makes the child's end ours. Death by signal: restore the default disposition (a Node signal
 * with no listeners has it) and send it to ourselves, so our parent sees what exec would have
 * shown; if the signal does not kill us (Node ignores SIGPIPE, for one), exit 128+n like a shell.
 */
export function adoptEnd(end: ProgramEnd): void {
  if ("code" in end) {
    process.exitCode = end.code;
    return;
  }
  process.removeAllListeners(end.signal);
  process.kill(process.pid, end.signal);
  setTimeout(() => process.exit(128 + (osConstants.signals[end.signal] ?? 0)), 200);
}
