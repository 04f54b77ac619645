import type { Instant } from "../time/instant.js";
import { addTain, compareTain, instantAtOrAfterTain, subTain, tainFromInstant, type Tain } from "../time/runwhen-label.js";
import { parseStamp } from "../time/stamp.js";
import { ScheduleError } from "../schedule/errors.js";
// runwhenSchedule, not parseSchedule: rw-* start-up must not load the cron parser (and luxon).
import { runwhenSchedule } from "../schedule/runwhen-schedule.js";
import { localZone } from "./local-zone.js";
import { assertSchedulable } from "./schedulable-range.js";

export type Env = Record<string, string | undefined>;

/** The context every link of a chain reads: the chain's environment and the wall clock. */
export interface LinkContext {
  /** the chain's environment: each link's VAR updates it */
  readonly env: Env;
  /** TZ as this process started with it: the zone Date reads (local-zone.ts) */
  readonly dateTz: string | undefined;
  readonly now: () => Instant;
}

/** A program that computes one stamp from its fixed arguments: `PROG fixed… [VAR program arg…]`. */
export interface ComputeProgram {
  readonly fixedArgs: readonly string[];
  compute(args: readonly string[], ctx: LinkContext): Tain;
}

const stamps = (args: readonly string[], ctx: LinkContext): [Tain, Tain] => [
  parseStamp(args[0] ?? "", ctx.env, ctx.now),
  parseStamp(args[1] ?? "", ctx.env, ctx.now),
];

const pairProgram = (op: (a: Tain, b: Tain) => Tain): ComputeProgram => ({
  fixedArgs: ["stamp1", "stamp2"],
  compute: (args, ctx) => op(...stamps(args, ctx)),
});

/** rw-match takes only runwhen constraints; cron expressions belong to `chime next` and `--when`. */
function matchStamp(args: readonly string[], ctx: LinkContext): Tain {
  const [stampArg = "", constraints = ""] = args;
  const from = parseStamp(stampArg, ctx.env, ctx.now);
  if (constraints !== "" && !constraints.startsWith(",")) {
    throw new ScheduleError(`malformed constraints: expected "," at position 1: ${constraints}`);
  }
  const schedule = runwhenSchedule(constraints);
  const zone = localZone(ctx.env, ctx.dateTz);
  return tainFromInstant(schedule.next(assertSchedulable(instantAtOrAfterTain(from)), zone));
}

export const computePrograms: Readonly<Record<string, ComputeProgram>> = {
  "rw-add": pairProgram(addTain),
  "rw-sub": pairProgram(subTain),
  "rw-min": pairProgram((a, b) => (compareTain(a, b) <= 0 ? a : b)),
  "rw-max": pairProgram((a, b) => (compareTain(a, b) >= 0 ? a : b)),
  "rw-match": { fixedArgs: ["stamp", "constraints"], compute: matchStamp },
};

export const SLEEP_PROGRAM = "rw-sleep";
