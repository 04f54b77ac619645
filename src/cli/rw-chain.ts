import { formatTain, instantFromTain } from "../time/runwhen-label.js";
import { parseStamp, StampError } from "../time/stamp.js";
import { ScheduleError, ScheduleRangeError } from "../schedule/errors.js";
import { FOREVER, sleepUntil } from "../sleep/sleep-until.js";
import { EXIT_USAGE } from "./die.js";
import { computePrograms, SLEEP_PROGRAM, type Env, type LinkContext } from "./rw-programs.js";

/**
 * The runwhen chain evaluator: `rw-add n d1S now1s rw-match '$now1s' ,M=0 wake rw-sleep '$wake' job`
 * runs in ONE Node process. Each rw-* link computes and, in chain mode, sets its variable and hands
 * over to the next word; a next word naming one of our rw-* programs is evaluated right here
 * instead of exec'ing another Node. Only the final external program becomes a process
 * (run-final-program.ts).
 */

/** A failure of one link: "PROG: message" (a usage error too) and an exit code. */
export class RwError extends Error {
  constructor(
    readonly prog: string,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
  /** The one stderr line. */
  line(): string {
    return `${this.prog}: ${this.message}`;
  }
}

/** How a chain ends: an exit code (print mode, or rw-sleep with no program), or a program to run. */
export type ChainEnd =
  | { readonly kind: "exit"; readonly code: number }
  | {
      readonly kind: "run";
      /** the last rw-* link, for error messages */
      readonly prog: string;
      readonly file: string;
      readonly args: readonly string[];
      readonly env: Env;
      /** after rw-sleep the program runs with SIGALRM ignored, as runwhen execs it */
      readonly ignoreAlarm: boolean;
    };

export interface ChainIo extends LinkContext {
  /** print mode's output: the 24 hex digits and a newline */
  readonly out: (text: string) => void;
  /** aborted by SIGALRM: ends rw-sleep's wait, also when it arrived earlier in the chain */
  readonly wake?: AbortSignal;
  /**
   * After an rw-sleep: the signal for later ones, aborted only by an ALRM still to come. In the C
   * chain each rw-sleep catches ALRM afresh and an ALRM between two sleeps meets the ignored
   * disposition, so one `svc -a` must not also end a second sleep further down the chain.
   */
  readonly rearmWake?: () => AbortSignal;
}

const RW_NAMES = new Set([...Object.keys(computePrograms), SLEEP_PROGRAM]);

/**
 * Our own program for a word like `rw-match`, `/usr/local/bin/rw-match` or our bundle's file name
 * `…/dist/bin/rw-match.cjs`, else null.
 */
export function rwProgramName(word: string): string | null {
  const base = word.slice(word.lastIndexOf("/") + 1).replace(/\.cjs$/, "");
  return RW_NAMES.has(base) ? base : null;
}

/** The arguments `prog` takes, as its usage line shows them. */
function argShape(prog: string): string {
  if (prog === SLEEP_PROGRAM) return "stamp|- [program arg...]";
  const program = computePrograms[prog];
  if (!program) throw new Error(`not an rw program: ${prog}`);
  return `${program.fixedArgs.join(" ")} [VAR program arg...]`;
}

/** `usage: rw-match stamp constraints [VAR program arg...]` */
export function usageLine(prog: string): string {
  return `usage: ${prog} ${argShape(prog)}`;
}

function usage(prog: string): RwError {
  return new RwError(prog, EXIT_USAGE, usageLine(prog));
}

/** Turns the core's typed errors (StampError, ScheduleError, ScheduleRangeError) into link errors. */
function asLinkError(prog: string, err: unknown): RwError {
  if (err instanceof RwError) return err;
  if (err instanceof StampError || err instanceof ScheduleError || err instanceof ScheduleRangeError) {
    return new RwError(prog, EXIT_USAGE, err.message);
  }
  throw err;
}

/** Why: the name becomes an environment variable; "" or one with "=" would set something else. */
function checkVariableName(prog: string, name: string): void {
  if (name === "" || name.includes("=")) throw new RwError(prog, EXIT_USAGE, `invalid variable name: ${name}`);
}

/**
 * Evaluates a chain starting at program `prog` with its arguments. `io.env` is the chain's
 * environment and is updated in place by each link's VAR.
 */
export async function evaluateChain(prog: string, args: readonly string[], io: ChainIo): Promise<ChainEnd> {
  // Once rw-sleep has run, ALRM stays ignored for the rest of the chain, as an ignored
  // disposition survives each exec in the C original.
  let slept = false;
  let wake = io.wake;
  for (;;) {
    let next: { word: string; rest: readonly string[] };
    if (prog === SLEEP_PROGRAM) {
      const [stamp, word, ...rest] = args;
      if (stamp === undefined) throw usage(prog);
      let target = FOREVER;
      try {
        if (stamp !== "-") target = instantFromTain(parseStamp(stamp, io.env, io.now));
      } catch (err) {
        throw asLinkError(prog, err);
      }
      await sleepUntil(target, { clock: { now: io.now }, wake });
      slept = true;
      wake = io.rearmWake?.() ?? wake;
      if (word === undefined) return { kind: "exit", code: 0 };
      next = { word, rest };
    } else {
      const program = computePrograms[prog];
      if (!program) throw new Error(`not an rw program: ${prog}`);
      const n = program.fixedArgs.length;
      if (args.length < n || args.length === n + 1) throw usage(prog);
      let value: string;
      try {
        value = formatTain(program.compute(args.slice(0, n), io));
      } catch (err) {
        throw asLinkError(prog, err);
      }
      if (args.length === n) {
        io.out(value + "\n");
        return { kind: "exit", code: 0 };
      }
      const name = args[n] as string;
      checkVariableName(prog, name);
      io.env[name] = value;
      next = { word: args[n + 1] as string, rest: args.slice(n + 2) };
    }
    const own = rwProgramName(next.word);
    if (own === null) {
      return { kind: "run", prog, file: next.word, args: next.rest, env: io.env, ignoreAlarm: slept };
    }
    prog = own;
    args = next.rest;
  }
}
