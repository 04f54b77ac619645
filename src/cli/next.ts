import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { splayOffsetMs } from "../daemon/next-wake.js";
import { JobConfigError } from "../jobs/job.js";
import type { OptionSpec } from "../options/option-spec.js";
import { readOptions, type Options } from "../options/read-options.js";
import { instantAtOrAfterTain } from "../time/runwhen-label.js";
import { instantFromMs, instantToMs, type Instant } from "../time/instant.js";
import { parseStamp, StampError } from "../time/stamp.js";
import { parseSchedule, ScheduleError, ScheduleRangeError, type Schedule, type Zone } from "../schedule/schedule.js";
import { systemClock } from "../sleep/clock.js";
import { die, EXIT_SYSTEM, EXIT_USAGE } from "./die.js";
import { isoLocal } from "../schedule/iso-local.js";
import { localZone } from "./local-zone.js";
import { assertSchedulable } from "./schedulable-range.js";

type Env = Readonly<Record<string, string | undefined>>;

const USAGE = "usage: chime next SCHEDULE [--from STAMP] [--count N] [--splay DURATION --job TAG [--host NAME | --hosts FILE]]";
const HELP = `${USAGE}

Prints the next N (default 5) times matching SCHEDULE at or after STAMP (default: now),
in the local zone (TZ, else the system zone), as ISO 8601 with offset, one per line.

  SCHEDULE   runwhen constraints (",M=0", ",d-3,H=14,M/15") or a cron expression ("0 3 * * *")
  --from     a runwhen stamp: @HEX24, $VAR, n, tUNIXSECONDS, iYYYY-MM-DDTHH:MM:SS+HHMM
             (a bare YYYY-MM-DDTHH:MM:SS+HHMM is read as i…)
  --count    1 to ${1000}

  --splay    show when a service with this --splay runs, not the slots: each slot plus the
             stable offset the daemon derives from the host name and the job's tag
  --job      the job's tag (CHIME_NAME, or the job's name): the offset depends on it
  --host     a host name (default: this host's)
  --hosts    a file of host names, one per line (# comments): prints, per minute (per hour
             for a splay over 2h), how many of those hosts first run then — how a fleet spreads

@reboot lists nothing (it has no wake times: it runs once when the service starts) and says so
on stderr, exit 0.

Exit codes: 0 ok; 100 bad schedule, stamp, count, zone or usage; 111 --hosts cannot be read.`;
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

const NEXT_OPTIONS: readonly OptionSpec[] = [
  { name: "from", kind: "text", value: "STAMP", help: "a runwhen stamp (default: now)" },
  { name: "count", kind: "count", default: "5", min: 1, max: MAX_COUNT, help: "how many wake times" },
  { name: "splay", kind: "duration", min: 1, help: "show a service's runs with this --splay" },
  { name: "job", kind: "text", value: "TAG", help: "the job's tag" },
  { name: "host", kind: "text", value: "NAME", help: "a host name" },
  { name: "hosts", kind: "text", value: "FILE", help: "a file of host names" },
  { name: "help", kind: "switch", short: "h", help: "this text" },
];

/** `chime next SCHEDULE [--from STAMP] [--count N]`: upcoming wake times for humans. */
export async function runNext(args: readonly string[], env: Env, out: (line: string) => void): Promise<number> {
  let o: Options;
  try {
    o = readOptions("next", NEXT_OPTIONS, { args, usage: USAGE });
  } catch (err) {
    if (err instanceof JobConfigError) die(EXIT_USAGE, err.message);
    throw err;
  }
  if (o.switch("help")) {
    for (const line of HELP.split("\n")) out(line);
    return 0;
  }
  if (o.positionals.length !== 1) usageError(o.positionals.length ? "one SCHEDULE only (quote it)" : "missing SCHEDULE");
  const text = o.positionals[0] as string;
  const count = o.count("count");
  let schedule: Schedule;
  let zone: Zone;
  try {
    schedule = parseSchedule(text);
    zone = localZone(env, env["TZ"]); // env is this process's own (bin/chime.ts)
  } catch (err) {
    if (err instanceof ScheduleError) die(EXIT_USAGE, `next: ${err.message}`);
    throw err;
  }
  if (schedule.atStart) {
    // no wake time to list, and nothing wrong: stdout stays empty for scripts that read times
    process.stderr.write(`next: ${text.trim()} has no wake times: it runs once when the service starts (as --at-start)\n`);
    return 0;
  }
  const from = o.text("from");
  let after = from === undefined ? systemClock.now() : parseFrom(from, env);
  const fleet = parseFleet({
    splayMs: o.has("splay") ? o.duration("splay") : undefined,
    job: o.text("job"),
    host: o.text("host"),
    hosts: o.text("hosts"),
  });
  if (fleet?.hosts) {
    const first = (host: string): number => {
      const offset = splayOffsetMs(host, fleet.job, fleet.splayMs);
      return firstWakeMs(schedule, zone, shifted(after, -offset), text) + offset;
    };
    for (const line of histogram(fleet.hosts.map(first), fleet.splayMs, zone)) out(line);
    return 0;
  }
  const offsetMs = fleet ? splayOffsetMs(fleet.host, fleet.job, fleet.splayMs) : 0;
  // as the daemon does: a slot whose delayed run is still ahead of --from is still to come
  after = shifted(after, -offsetMs);
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
    // whole seconds, as the daemon's "next run" line shows them
    out(isoLocal(instantFromMs(Math.floor((instantToMs(wake) + offsetMs) / 1000) * 1000), zone));
    after = { seconds: wake.seconds + 1, nanos: 0 };
  }
  return 0;
}

/** `t` moved by `ms`, rounded up to a whole second (schedules match whole seconds) */
function shifted(t: Instant, ms: number): Instant {
  if (ms === 0) return t;
  return instantFromMs(Math.ceil((instantToMs(t) + ms) / 1000) * 1000);
}

interface Fleet {
  readonly splayMs: number;
  readonly job: string;
  readonly host: string;
  readonly hosts?: readonly string[];
}

function parseFleet(v: {
  splayMs: number | undefined;
  job: string | undefined;
  host: string | undefined;
  hosts: string | undefined;
}): Fleet | undefined {
  const splayMs = v.splayMs;
  if (splayMs === undefined) {
    if (v.job !== undefined || v.host !== undefined || v.hosts !== undefined) usageError("--job, --host and --hosts go with --splay");
    return undefined;
  }
  // the offset hashes the job's tag: without it any answer would be a guess
  if (v.job === undefined || v.job === "") usageError("--splay needs --job TAG (the service's CHIME_NAME, or its job's name)");
  if (v.host !== undefined && v.hosts !== undefined) usageError("--host or --hosts, not both");
  const fleet = { splayMs, job: v.job, host: v.host ?? hostname() };
  if (v.hosts === undefined) return fleet;
  let text: string;
  try {
    text = readFileSync(v.hosts, "utf8");
  } catch (err) {
    die(EXIT_SYSTEM, `next: --hosts ${v.hosts}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const hosts = text
    .split("\n")
    .map((l) => l.replace(/#.*/, "").trim())
    .filter((l) => l !== "");
  if (hosts.length === 0) usageError(`--hosts ${v.hosts} names no host`);
  return { ...fleet, hosts };
}

function firstWakeMs(schedule: Schedule, zone: Zone, after: Instant, text: string): number {
  try {
    return instantToMs(schedule.next(after, zone));
  } catch (err) {
    if (err instanceof ScheduleRangeError) die(EXIT_USAGE, `next: ${err.message}: nothing matches ${text} within 400 years`);
    throw err;
  }
}

/**
 * First runs of a fleet, counted per minute (per hour when the splay is over 2 h, so the grid
 * stays readable), one line per cell from the first to the last that holds a run, empty cells
 * included: "2026-12-02T03:04:00+01:00  3 ###".
 */
function histogram(runsMs: readonly number[], splayMs: number, zone: Zone): string[] {
  const cellMs = splayMs > 2 * 3600_000 ? 3600_000 : 60_000;
  const counts = new Map<number, number>();
  for (const ms of runsMs) {
    const cell = Math.floor(ms / cellMs) * cellMs;
    counts.set(cell, (counts.get(cell) ?? 0) + 1);
  }
  const cells = [...counts.keys()];
  const lines: string[] = [];
  for (let cell = Math.min(...cells); cell <= Math.max(...cells); cell += cellMs) {
    const n = counts.get(cell) ?? 0;
    lines.push(`${isoLocal(instantFromMs(cell), zone)}  ${String(n).padStart(4)} ${"#".repeat(Math.min(n, 60))}`.trimEnd());
  }
  return lines;
}
