import { writeSync } from "node:fs";
import { systemClock } from "../sleep/clock.js";
import { EXIT_SYSTEM, Fatal } from "./die.js";
import { evaluateChain, RwError } from "./rw-chain.js";
import { rwHelp } from "./rw-help.js";
import { adoptEnd, runFinalProgram } from "./run-final-program.js";
import type { Env } from "./rw-programs.js";

/**
 * Print mode's one write, straight to fd 1: creating process.stdout costs a few ms of start-up,
 * and a 25-byte write to a descriptor we never made non-blocking completes whole.
 */
function print(prog: string, text: string): void {
  try {
    writeSync(1, text);
  } catch (err) {
    process.stderr.write(`${prog}: unable to write to stdout: ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`);
    process.exit(EXIT_SYSTEM); // nothing else is pending in print mode
  }
}

/**
 * SIGUSR1 (`svc -1`, `sv 1`) as the C programs take it: the default action ends the process and
 * the supervisor restarts the chain. Why a listener: with none, Node opens its inspector on
 * 127.0.0.1:9229 instead — a debugger any local user could attach to a sleeping rw-sleep. While
 * the final program runs, run-final-program.ts passes the signal on to it, and this stands aside.
 */
function onUserSignal1(): void {
  if (process.listenerCount("SIGUSR1") > 1) return;
  process.removeListener("SIGUSR1", onUserSignal1);
  process.kill(process.pid, "SIGUSR1");
}

/**
 * The process side of every rw-* program: argv, environment, SIGALRM, stdout and the exit code.
 * The first thing it does is catch SIGALRM, so that an `svc -a` arriving while an early link
 * (rw-add, rw-match) computes is kept for rw-sleep ("run now") instead of killing the chain.
 */
export function rwMain(prog: string): void {
  // Only as the sole argument: in a chain, words after the stamps belong to the next program.
  const first = process.argv[2];
  if (process.argv.length === 3 && (first === "--help" || first === "-h")) {
    print(prog, rwHelp(prog));
    return;
  }
  let wake = new AbortController();
  const onAlarm = (): void => wake.abort();
  process.on("SIGALRM", onAlarm);
  process.on("SIGUSR1", onUserSignal1);
  const env: Env = { ...process.env };
  void (async () => {
    let last = prog;
    try {
      const end = await evaluateChain(prog, process.argv.slice(2), {
        env,
        dateTz: process.env["TZ"],
        now: systemClock.now,
        out: (text) => print(prog, text),
        wake: wake.signal,
        rearmWake: () => {
          wake = new AbortController();
          return wake.signal;
        },
      });
      if (end.kind === "exit") {
        process.exitCode = end.code;
        return;
      }
      last = end.prog;
      adoptEnd(await runFinalProgram({ word: end.file, args: end.args, env: end.env, ignoreAlarm: end.ignoreAlarm }));
    } catch (err) {
      if (err instanceof RwError) {
        process.stderr.write(err.line() + "\n");
        process.exitCode = err.code;
      } else if (err instanceof Fatal) {
        process.stderr.write(`${last}: ${err.message}\n`);
        process.exitCode = err.code;
      } else {
        process.stderr.write(`${last}: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exitCode = EXIT_SYSTEM;
      }
    } finally {
      process.removeListener("SIGALRM", onAlarm);
      process.removeListener("SIGUSR1", onUserSignal1);
    }
  })();
}
