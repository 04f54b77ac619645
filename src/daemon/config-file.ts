import type { Environment } from "../jobs/job.js";
import { NotRegularFileError, readRegularFile } from "../jobs/regular-file.js";
import type { OptionSpec } from "../options/option-spec.js";
import { badValue } from "../options/bad-value.js";
import { readOptions, type ConfigValue } from "../options/read-options.js";
import { zoneNamed, type Zone } from "../schedule/zone.js";
import { buildScheduledJob, ConfigError } from "./build-job.js";
import { OPTIONS } from "./daemon-options.js";
import { jsonKeyLines } from "./json-key-lines.js";
import { NO_RETRY, type RetryPolicy } from "./retry-policy.js";
import type { ScheduledJob } from "./scheduled-job.js";
import { DEFAULT_FAILURE_EVERY_MS, type AlertSettings } from "./run-alerts.js";
import { pingUrlProblem } from "./health-ping.js";
import { commandWords } from "../jobs/command-words.js";
import { parseDurationMs } from "../time/duration-option.js";

/**
 * --config FILE: several jobs in one process, for people who prefer one service.
 *
 *   { "jobs": [ { "name": "mirrors", "job": "git-backup", "args": ["/srv/git", "--github-org", "acme"],
 *                 "when": ",M=0", "timeout": "30m", "splay": "5m",
 *                 "atStart": true, "retry": 3, "retryDelay": "1m", "zone": "Europe/Berlin",
 *                 "onFailure": ["/usr/local/bin/page", "ops"], "onRecovery": ["/usr/local/bin/page", "ops"],
 *                 "onFailureEvery": "1h", "ping": "https://hc.example.net/ping/UUID" } ] }
 *
 * Validated completely at load; the first mistake is reported with the file, the line and the
 * field (`chime: config file jobs.json line 4 (jobs[1].when): …: ",H=24"`). Unknown fields are mistakes too: a typo
 * like "tiemout" must not silently mean "no timeout".
 */
const JOB_FIELDS = new Set([
  "name",
  "job",
  "args",
  "when",
  "timeout",
  "splay",
  "atStart",
  "retry",
  "retryDelay",
  "zone",
  "onFailure",
  "onRecovery",
  "onFailureEvery",
  "ping",
]);

export interface ConfigDefaults {
  timeoutMs?: number | undefined;
  splayMs: number;
  /** "--splay", "CHIME_SPLAY (environment)": named in an error about a default splay */
  splaySource?: string | undefined;
  /** --at-start, --retry, --retry-delay: each job's own field wins */
  atStart?: boolean | undefined;
  retry?: RetryPolicy | undefined;
  /** --on-failure, --on-recovery, --on-failure-every, --ping: each job's own field wins */
  alerts?: AlertSettings | undefined;
}

/** Job fields that are daemon settings, checked by the daemon's own declarations. */
const SETTING_FIELDS = { timeout: "timeout", splay: "splay", atStart: "at-start", retry: "retry", retryDelay: "retry-delay" } as const;
type SettingField = keyof typeof SETTING_FIELDS;

/**
 * In a config file a job's field is its own value; the command line's (flag, environment,
 * default) is the default for the jobs that leave the field out. So only the config layer of
 * each declaration is read here: no variable, no default.
 */
const FIELD_OPTIONS: readonly OptionSpec[] = Object.values(SETTING_FIELDS).map((name) => {
  const { env: _env, default: _default, ...spec } = OPTIONS.find((o) => o.name === name)!;
  return spec;
});

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
  for (const k of Object.keys(doc))
    if (k !== "jobs") throw new ConfigError(`${where}: unknown field ${JSON.stringify(k)} (expected "jobs")`);
  const list = doc["jobs"];
  if (!Array.isArray(list) || list.length === 0) throw new ConfigError(`${where}: "jobs" must be a non-empty array`);

  const lines = jsonKeyLines(text);
  const jobs: ScheduledJob[] = [];
  const seen = new Set<string>();
  for (const [i, entry] of list.entries()) {
    const at = `jobs[${i}]`;
    /** "config file F line 7 (jobs[1].timeout)": the field's line, else its job's */
    const field = (f?: string) => {
      const path = f === undefined ? at : `${at}.${f}`;
      return `${where} line ${lines.get(path) ?? lines.get(at) ?? 1} (${path})`;
    };
    if (!isObject(entry)) throw new ConfigError(badValue(field(), "must be an object", entry));
    for (const k of Object.keys(entry)) {
      if (!JOB_FIELDS.has(k)) throw new ConfigError(badValue(field(k), `unknown field (expected ${[...JOB_FIELDS].join(", ")})`));
    }
    const jobName = entry["job"];
    if (typeof jobName !== "string" || jobName === "") throw new ConfigError(badValue(field("job"), "missing or not a job name", jobName));
    const when = entry["when"];
    if (typeof when !== "string") throw new ConfigError(badValue(field("when"), "missing or not a string", when));
    const name = entry["name"] ?? jobName;
    if (typeof name !== "string") throw new ConfigError(badValue(field("name"), "must be a string", name));
    if (seen.has(name))
      throw new ConfigError(badValue(field("name"), "a second job of this name: each job needs its own (log tag and state file)", name));
    seen.add(name);
    const args = entry["args"] ?? [];
    if (!Array.isArray(args) || !args.every((a) => typeof a === "string"))
      throw new ConfigError(badValue(field("args"), "must be an array of strings"));

    const o = readOptions("", FIELD_OPTIONS, { args: [], env: {}, config: settingFields(entry, field) });
    const own = <T>(f: SettingField, read: (name: string) => T): T | undefined =>
      o.has(SETTING_FIELDS[f]) ? read(SETTING_FIELDS[f]) : undefined;
    const timeoutMs = own("timeout", o.duration) ?? defaults.timeoutMs;
    const splayMs = own("splay", o.duration) ?? defaults.splayMs;
    const atStart = own("atStart", o.switch) ?? defaults.atStart ?? false;
    const dflt = defaults.retry ?? NO_RETRY;
    const retry: RetryPolicy = { retries: own("retry", o.count) ?? dflt.retries, delayMs: own("retryDelay", o.duration) ?? dflt.delayMs };
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

/**
 * The setting fields as the option layer's config values: JSON's own types first (a duration is
 * a string or a number of seconds, atStart a boolean, retry a number), then the words the
 * declarations check.
 */
function settingFields(entry: Record<string, unknown>, field: (f: string) => string): Record<string, ConfigValue> {
  const config: Record<string, ConfigValue> = {};
  for (const f of Object.keys(SETTING_FIELDS) as SettingField[]) {
    const v = entry[f];
    if (v === undefined) continue;
    const source = field(f);
    let text: string;
    if (f === "atStart") {
      if (typeof v !== "boolean") throw new ConfigError(badValue(source, "expected true or false", v));
      text = v ? "yes" : "no";
    } else if (f === "retry") {
      if (typeof v !== "number") throw new ConfigError(badValue(source, "expected a whole number", v));
      text = String(v);
    } else {
      if (typeof v !== "string" && typeof v !== "number")
        throw new ConfigError(badValue(source, 'expected a duration like "90s", "5m", "1h" or a number of seconds', v));
      text = String(v);
    }
    config[SETTING_FIELDS[f]] = { text, source };
  }
  return config;
}

/** "onFailure"/"onRecovery": an argv array (or one string split on spaces); "ping": a URL */
function alertFields(entry: Record<string, unknown>, field: (f: string) => string, dflt: AlertSettings | undefined): AlertSettings {
  const command = (k: string): readonly string[] | undefined => {
    const v = entry[k];
    if (v === undefined) return undefined;
    const argv =
      typeof v === "string" ? commandWords(v) : Array.isArray(v) && v.every((w) => typeof w === "string") ? (v as string[]) : null;
    if (argv === null || argv.length === 0 || argv[0] === "")
      throw new ConfigError(
        `bad value ${JSON.stringify(v)} for ${field(k)}: expected a command as an array of strings, like ["/usr/local/bin/page", "ops"]`,
      );
    return argv;
  };
  const ping = entry["ping"];
  if (ping !== undefined) {
    // the URL is a credential: the error does not repeat it
    const why = typeof ping === "string" ? pingUrlProblem(ping) : "not a string";
    if (why !== undefined) throw new ConfigError(`bad value for ${field("ping")}: ${why}`);
  }
  const everyValue = entry["onFailureEvery"];
  let every: number | undefined;
  if (everyValue !== undefined) {
    const ms = typeof everyValue === "string" || typeof everyValue === "number" ? parseDurationMs(String(everyValue)) : null;
    if (ms === null)
      throw new ConfigError(
        badValue(field("onFailureEvery"), 'expected a duration like "90s", "5m", "1h" or a number of seconds', everyValue),
      );
    every = ms;
  }
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
  if (typeof v !== "string" || v.trim() === "") throw new ConfigError(badValue(name, 'expected an IANA zone name like "Europe/Berlin"', v));
  try {
    return zoneNamed(v.trim());
  } catch {
    throw new ConfigError(badValue(name, 'unknown time zone (expected an IANA name like "Europe/Berlin")', v));
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
