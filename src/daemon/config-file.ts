import type { Environment } from "../jobs/job.js";
import { NotRegularFileError, readRegularFile } from "../jobs/regular-file.js";
import { parseDurationMs } from "../time/duration-option.js";
import { zoneNamed, type Zone } from "../schedule/zone.js";
import { buildScheduledJob, ConfigError } from "./build-job.js";
import { MAX_RETRIES, NO_RETRY, type RetryPolicy } from "./retry-policy.js";
import type { ScheduledJob } from "./scheduled-job.js";
import { DEFAULT_FAILURE_EVERY_MS, type AlertSettings } from "./run-alerts.js";
import { pingUrlProblem } from "./health-ping.js";
import { commandWords } from "../jobs/command-words.js";

/**
 * --config FILE: several jobs in one process, for people who prefer one service.
 *
 *   { "jobs": [ { "name": "mirrors", "job": "git-backup", "args": ["/srv/git", "--github-org", "acme"],
 *                 "when": ",M=0", "timeout": "30m", "splay": "5m",
 *                 "atStart": true, "retry": 3, "retryDelay": "1m", "zone": "Europe/Berlin",
 *                 "onFailure": ["/usr/local/bin/page", "ops"], "onRecovery": ["/usr/local/bin/page", "ops"],
 *                 "onFailureEvery": "1h", "ping": "https://hc.example.net/ping/UUID" } ] }
 *
 * Validated completely at load; the first mistake is reported with the file and the field
 * (`chime: config file jobs.json: jobs[1].when: …`). Unknown fields are mistakes too: a typo
 * like "tiemout" must not silently mean "no timeout".
 */
const JOB_FIELDS = new Set(["name", "job", "args", "when", "timeout", "splay", "atStart", "retry", "retryDelay", "zone", "onFailure", "onRecovery", "onFailureEvery", "ping"]);

export interface ConfigDefaults {
  timeoutMs?: number | undefined;
  splayMs: number;
  /** "--splay (flag)", "CHIME_SPLAY (environment)": named in an error about a default splay */
  splaySource?: string | undefined;
  /** --at-start, --retry, --retry-delay: each job's own field wins */
  atStart?: boolean | undefined;
  retry?: RetryPolicy | undefined;
  /** --on-failure, --on-recovery, --on-failure-every, --ping: each job's own field wins */
  alerts?: AlertSettings | undefined;
}

export async function loadConfigFile(path: string, env: Environment, defaults: ConfigDefaults): Promise<ScheduledJob[]> {
  const where = `config file ${path}`;
  let text: string;
  try {
    text = await readRegularFile(path, { followLinks: true });
  } catch (e) {
    if (e instanceof NotRegularFileError) throw new ConfigError(`unable to read ${where}: it is a ${e.kind}, not a regular file`);
    throw new ConfigError(`unable to read ${where}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${where}: not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isObject(doc)) throw new ConfigError(`${where}: the top level must be an object with "jobs"`);
  for (const k of Object.keys(doc)) if (k !== "jobs") throw new ConfigError(`${where}: unknown field ${JSON.stringify(k)} (expected "jobs")`);
  const list = doc["jobs"];
  if (!Array.isArray(list) || list.length === 0) throw new ConfigError(`${where}: "jobs" must be a non-empty array`);

  const jobs: ScheduledJob[] = [];
  const seen = new Set<string>();
  for (const [i, entry] of list.entries()) {
    const at = `jobs[${i}]`;
    const field = (f: string) => `${at}.${f} in ${where}`;
    if (!isObject(entry)) throw new ConfigError(`${where}: ${at} must be an object`);
    for (const k of Object.keys(entry)) {
      if (!JOB_FIELDS.has(k)) throw new ConfigError(`${where}: ${at}: unknown field ${JSON.stringify(k)} (expected ${[...JOB_FIELDS].join(", ")})`);
    }
    const jobName = entry["job"];
    if (typeof jobName !== "string" || jobName === "") throw new ConfigError(`missing or non-string ${field("job")}`);
    const when = entry["when"];
    if (typeof when !== "string") throw new ConfigError(`missing or non-string ${field("when")}`);
    const name = entry["name"] ?? jobName;
    if (typeof name !== "string") throw new ConfigError(`${field("name")} must be a string`);
    if (seen.has(name)) throw new ConfigError(`duplicate ${field("name")} ${JSON.stringify(name)}: each job needs its own name (log tag and state file)`);
    seen.add(name);
    const args = entry["args"] ?? [];
    if (!Array.isArray(args) || !args.every((a) => typeof a === "string")) throw new ConfigError(`${field("args")} must be an array of strings`);
    const timeoutMs = durationField(entry["timeout"], field("timeout")) ?? defaults.timeoutMs;
    const splayMs = durationField(entry["splay"], field("splay")) ?? defaults.splayMs;
    const atStart = entry["atStart"] ?? defaults.atStart ?? false;
    if (typeof atStart !== "boolean") throw new ConfigError(`bad value ${JSON.stringify(atStart)} for ${field("atStart")}: expected true or false`);
    const retry = retryFields(entry, field, defaults.retry ?? NO_RETRY);
    const zone = zoneField(entry["zone"], field("zone"));
    const alerts = alertFields(entry, field, defaults.alerts);
    jobs.push(
      await buildScheduledJob({ tag: name, jobName, args, when, timeoutMs, splayMs, atStart, retry, zone, alerts }, env, {
        tag: field("name"),
        job: field("job"),
        args: field("args"),
        when: field("when"),
        splay: entry["splay"] !== undefined ? field("splay") : defaults.splaySource,
      }),
    );
  }
  return jobs;
}

function durationField(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  // a number is seconds, held to the same range as the text form (1e400 is Infinity, not "no limit")
  const ms = typeof v === "string" ? parseDurationMs(v) : typeof v === "number" && v >= 0 ? parseDurationMs(String(v)) : null;
  if (ms === null) throw new ConfigError(`bad value ${typeof v === "number" ? String(v) : JSON.stringify(v)} for ${name}: not a duration like "90s", "5m", "1h"`);
  return ms;
}

/** "retry": a whole number of retries; "retryDelay": a duration longer than 0 */
function retryFields(entry: Record<string, unknown>, field: (f: string) => string, dflt: RetryPolicy): RetryPolicy {
  const n = entry["retry"];
  if (n !== undefined && !(typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= MAX_RETRIES)) {
    throw new ConfigError(`bad value ${JSON.stringify(n)} for ${field("retry")}: expected a whole number from 0 to ${MAX_RETRIES}`);
  }
  const delayMs = durationField(entry["retryDelay"], field("retryDelay"));
  if (delayMs === 0) throw new ConfigError(`bad value ${JSON.stringify(entry["retryDelay"])} for ${field("retryDelay")}: must be longer than 0s`);
  return { retries: n ?? dflt.retries, delayMs: delayMs ?? dflt.delayMs };
}

/** "onFailure"/"onRecovery": an argv array (or one string split on spaces); "ping": a URL */
function alertFields(entry: Record<string, unknown>, field: (f: string) => string, dflt: AlertSettings | undefined): AlertSettings {
  const command = (k: string): readonly string[] | undefined => {
    const v = entry[k];
    if (v === undefined) return undefined;
    const argv = typeof v === "string" ? commandWords(v) : Array.isArray(v) && v.every((w) => typeof w === "string") ? (v as string[]) : null;
    if (argv === null || argv.length === 0 || argv[0] === "") throw new ConfigError(`bad value ${JSON.stringify(v)} for ${field(k)}: expected a command as an array of strings, like ["/usr/local/bin/page", "ops"]`);
    return argv;
  };
  const ping = entry["ping"];
  if (ping !== undefined) {
    // the URL is a credential: the error does not repeat it
    const why = typeof ping === "string" ? pingUrlProblem(ping) : "not a string";
    if (why !== undefined) throw new ConfigError(`bad value for ${field("ping")}: ${why}`);
  }
  const every = durationField(entry["onFailureEvery"], field("onFailureEvery"));
  return {
    onFailure: command("onFailure") ?? dflt?.onFailure,
    onRecovery: command("onRecovery") ?? dflt?.onRecovery,
    failureEveryMs: every ?? dflt?.failureEveryMs ?? DEFAULT_FAILURE_EVERY_MS,
    ping: (ping as string | undefined) ?? dflt?.ping,
  };
}

/** "zone": an IANA name (as TZ takes it); absent: TZ, as for every job */
function zoneField(v: unknown, name: string): Zone | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v.trim() === "") throw new ConfigError(`bad value ${JSON.stringify(v)} for ${name}: expected an IANA zone name like "Europe/Berlin"`);
  try {
    return zoneNamed(v.trim());
  } catch {
    throw new ConfigError(`bad value ${JSON.stringify(v)} for ${name}: unknown time zone (expected an IANA name like "Europe/Berlin")`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
