import { parseArgs } from "node:util";
import { instantAtOrAfterTain } from "../time/runwhen-label.js";
import type { Instant } from "../time/instant.js";
import { parseStamp, StampError } from "../time/stamp.js";
import { parseSchedule, ScheduleError, ScheduleRangeError, type Schedule, type Zone } from "../schedule/schedule.js";
import { systemClock } from "../sleep/clock.js";
import { die, EXIT_USAGE } from "./die.js";
import { isoLocal } from "../schedule/iso-local.js";
import { localZone } from "./local-zone.js";
import { assertSchedulable } from "./schedulable-range.js";

type Env = Readonly<Record<string, string | undefined>>;

const USAGE = "usage: chime next SCHEDULE [--from STAMP] [--count N]";
const HELP = `${USAGE}

Prints the next N (default 5) times matching SCHEDULE at or after STAMP (default: now),
in the local zone (TZ, else the system zone), as ISO 8601 with offset, one per line.

  SCHEDULE   runwhen constraints (",M=0", ",d-3,H=14,M/15") or a cron expression ("0 3 * * *")
  --from     a runwhen stamp: @HEX24, $VAR, n, tUNIXSECONDS, iYYYY-MM-DDTHH:MM:SS+HHMM
             (a bare YYYY-MM-DDTHH:MM:SS+HHMM is read as i…)
  --count    1 to ${1000}

@reboot lists nothing (it has no wake times: it runs once when the service starts) and says so
on stderr, exit 0.

Exit codes: 0 ok; 100 bad schedule, stamp, count, zone or usage.`;
const MAX_COUNT = 1000;

function usageError(detail: string): never {
  die(EXIT_USAGE, `next: ${detail} (${USAGE})`);
}

/** `given` is what the user typed, for messages: the "i" a bare ISO date gets is ours. */
function parseFrom(text: string, env: Env, given = text): Instant {
  try {
    return assertSchedulable(instantAtOrAfterTain(parseStamp(text, env, systemClock.now)));
  } catch (err) {
    if (err instanceof ScheduleRangeError) die(EXIT_USAGE, `next: --from: ${err.message}: ${given}`);
    if (!(err instanceof StampError)) throw err;
    // Humans type ISO dates without runwhen's "i"; accept that here (not in the rw-* tools).
    if (text === given && /^\d{4}-\d\d-\d\d[T ]/.test(text)) return parseFrom("i" + text, env, given);
    die(EXIT_USAGE, `next: --from: ${text === given ? err.message : `malformed timestamp: ${given}`}`);
  }
}

function parseCount(text: string | undefined): number {
  if (text === undefined) return 5;
  const n = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= MAX_COUNT)) die(EXIT_USAGE, `next: --count must be a whole number from 1 to ${MAX_COUNT}: ${text}`);
  return n;
}

/** "--count -1" as "--count=-1": the value is then checked (and named) by us, not refused as an option. */
function joinOptionValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const value = args[i + 1];
    if ((a === "--from" || a === "--count") && value !== undefined) {
      out.push(`${a}=${value}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** `chime next SCHEDULE [--from STAMP] [--count N]`: upcoming wake times for humans. */
export async function runNext(args: readonly string[], env: Env, out: (line: string) => void): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: joinOptionValues(args),
      allowPositionals: true,
      strict: true,
      options: { from: { type: "string" }, count: { type: "string" }, help: { type: "boolean", short: "h" } },
    });
  } catch (err) {
    // parseArgs explains over several lines; the contract is one line per error.
    usageError((err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, " "));
  }
  if (parsed.values.help) {
    for (const line of HELP.split("\n")) out(line);
    return 0;
  }
  if (parsed.positionals.length !== 1) usageError(parsed.positionals.length ? "one SCHEDULE only (quote it)" : "missing SCHEDULE");
  const text = parsed.positionals[0] as string;
  const count = parseCount(parsed.values.count);
  let schedule: Schedule;
  let zone: Zone;
  try {
    schedule = parseSchedule(text);
    zone = localZone(env);
  } catch (err) {
    if (err instanceof ScheduleError) die(EXIT_USAGE, `next: ${err.message}`);
    throw err;
  }
  if (schedule.atStart) {
    // no wake time to list, and nothing wrong: stdout stays empty for scripts that read times
    process.stderr.write(`next: ${text.trim()} has no wake times: it runs once when the service starts (as --at-start)\n`);
    return 0;
  }
  let after = parsed.values.from === undefined ? systemClock.now() : parseFrom(parsed.values.from, env);
  for (let i = 0; i < count; i++) {
    let wake: Instant;
    try {
      wake = schedule.next(after, zone);
    } catch (err) {
      // A schedule that stops matching (",y=2030") ends the list; nothing at all is an error.
      if (err instanceof ScheduleRangeError && i > 0) break;
      if (err instanceof ScheduleRangeError) die(EXIT_USAGE, `next: ${err.message}: nothing matches ${text} within 400 years`);
      throw err;
    }
    out(isoLocal(wake, zone));
    after = { seconds: wake.seconds + 1, nanos: 0 };
  }
  return 0;
}
