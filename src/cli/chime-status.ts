import { stat } from "node:fs/promises";
import { FileStateStore, type RunRecord } from "../daemon/run-state.js";
import { isoInZone } from "../schedule/iso-local.js";
import { STATE_DIR_OPTION } from "../daemon/daemon-options.js";
import { JobConfigError, type Environment } from "../jobs/job.js";
import type { OptionSpec } from "../options/option-spec.js";
import { readOptions } from "../options/read-options.js";
import type { Zone } from "../schedule/zone.js";
import { zoneFromEnv } from "./local-zone.js";
import { escapeControls } from "../log/line-format.js";
import { pidAlive } from "../jobs/pid-lock.js";
import { die, EXIT_SYSTEM, EXIT_USAGE } from "./die.js";
import { judgeJob, worse, type Health } from "./job-health.js";

/** the daemon's own --state-dir: the same variable and default */
const STATUS_OPTIONS: readonly OptionSpec[] = [STATE_DIR_OPTION, { name: "help", kind: "switch", short: "h", help: "this text" }];

const USAGE = `usage: chime status [--state-dir DIR]   (DIR also from ${STATE_DIR_OPTION.env}; default ${STATE_DIR_OPTION.default})`;

/**
 * `chime status`, like svstat: one line per job from the run records the daemon keeps —
 * last run, its result and summary, and the next planned run. Reads files only; works while
 * the daemon runs (records are replaced atomically) and after it stopped.
 */
export async function runStatus(
  args: readonly string[],
  env: Environment,
  out: (line: string) => void,
  nowMs = Date.now(),
): Promise<number> {
  let dir: string;
  try {
    const o = readOptions("status", STATUS_OPTIONS, { args, env, usage: "see chime status --help" });
    if (o.switch("help")) {
      out(USAGE);
      return 0;
    }
    if (o.positionals.length > 0) die(EXIT_USAGE, `status: unexpected argument ${JSON.stringify(o.positionals[0])}; ${USAGE}`);
    dir = o.text("state-dir")!;
  } catch (e) {
    if (e instanceof JobConfigError) die(EXIT_USAGE, e.message);
    throw e;
  }
  let zone: Zone;
  try {
    zone = zoneFromEnv(env);
  } catch (e) {
    die(EXIT_USAGE, `status: bad TZ (environment): ${e instanceof Error ? e.message : String(e)}`);
  }
  const store = new FileStateStore(dir);
  let tags: string[];
  try {
    tags = await store.tags();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    if (code === "ENOENT") {
      out(`${dir}: no state directory (no job has run here yet)`);
      return 1;
    }
    die(EXIT_SYSTEM, `status: unable to read state directory ${dir}: ${code}`);
  }
  // the service's job list (written at start and reload): a removed or renamed job's record is
  // history, not a job that "was due N seconds ago; is chime running?" for ever
  const current = await store.jobList();
  const hidden = current === undefined ? [] : tags.filter((t) => !current.includes(t));
  if (current !== undefined) tags = [...current];
  if (tags.length === 0) {
    out(`${dir}: no jobs`);
    return 1;
  }
  // the exit code is chime check's judgement of the records (default tolerance, no timeouts known)
  let health: Health = 0;
  for (const tag of tags) {
    let problem = false;
    // Tags, summaries and error texts come from files and jobs: escaped like in the log, so a
    // terminal escape or bidi override in a job's summary cannot rewrite the operator's screen.
    const rec = await store.load(tag, (msg, fields) => {
      problem = true;
      out(escapeControls(`${tag}: ${msg} (${fields["file"]}${fields["error"] ? `: ${fields["error"]}` : ""})`));
    });
    out(escapeControls(describeRecord(tag, rec, zone, nowMs)));
    const exists = await stat(store.path(tag)).then(
      () => true,
      () => false,
    );
    const judged = problem
      ? 3
      : judgeJob(rec, { nowMs, toleranceMs: STATUS_TOLERANCE_MS, timeoutMs: undefined, graceMs: 0, alive: pidAlive, exists }).health;
    health = worse(health, judged);
  }
  if (hidden.length > 0)
    out(escapeControls(`(not shown: ${hidden.length} records of jobs the service no longer runs: ${hidden.join(", ")})`));
  return health;
}

/** a planned run this long past without starting makes the exit code 2, as in chime check */
const STATUS_TOLERANCE_MS = 5 * 60_000;

const ago = (ms: number) => `${Math.max(0, Math.round(ms / 1000))} seconds`;

export function describeRecord(tag: string, r: RunRecord, zone: Zone, nowMs: number, alive: (pid: number) => boolean = pidAlive): string {
  const parts: string[] = [];
  const unfinished = r.lastStartMs !== undefined && (r.lastEndMs === undefined || r.lastEndMs < r.lastStartMs);
  // a run whose chime is gone (kill -9, crash) is not "running": the next chime closes it
  const running = unfinished && (r.pid === undefined || alive(r.pid));
  if (running) parts.push(`running for ${ago(nowMs - r.lastStartMs!)} (since ${isoInZone(r.lastStartMs!, zone)})`);
  else if (unfinished) {
    parts.push(
      `last run started ${ago(nowMs - r.lastStartMs!)} ago (${isoInZone(r.lastStartMs!, zone)}) and did not finish: chime (pid ${r.pid}) is not running`,
    );
  }
  if (r.lastEndMs !== undefined && r.lastStatus !== undefined) {
    const took =
      r.lastStartMs !== undefined && r.lastEndMs >= r.lastStartMs && !r.interrupted
        ? `, took ${((r.lastEndMs - r.lastStartMs) / 1000).toFixed(3)} s`
        : "";
    parts.push(`last run ${r.lastStatus} ${ago(nowMs - r.lastEndMs)} ago (${isoInZone(r.lastEndMs, zone)}${took}): ${r.lastSummary ?? ""}`);
  } else if (!unfinished) {
    parts.push("never run");
  }
  if (!running && r.nextRunAtMs !== undefined) {
    const inMs = r.nextRunAtMs - nowMs;
    parts.push(
      inMs >= 0
        ? `next run in ${ago(inMs)} (${isoInZone(r.nextRunAtMs, zone)})`
        : `next run was due ${ago(-inMs)} ago (${isoInZone(r.nextRunAtMs, zone)}); is chime running?`,
    );
  }
  if (r.runs !== undefined) parts.push(`${r.runs} runs`);
  return `${tag}: ${parts.join("; ")}`;
}
