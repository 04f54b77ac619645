import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ConfigError, loadSpec, requireNextRun } from "../daemon/build-job.js";
import { loadConfigFile } from "../daemon/config-file.js";
import { requireSplayShorterThanInterval, splayTooLong } from "../daemon/next-wake.js";
import { durationWords } from "../time/duration-option.js";
import type { Instant } from "../time/instant.js";
import { parseSchedule, ScheduleError, ScheduleRangeError, type Schedule } from "../schedule/schedule.js";
import type { Zone } from "../schedule/zone.js";
import { isJobName } from "../jobs/registry.js";
import { badValue } from "../options/bad-value.js";
import { readOptions } from "../options/read-options.js";
import { configDefaults, parseChimeOptions, type ChimeOptions } from "./chime-options.js";
import { die, EXIT_USAGE, Fatal } from "./die.js";
import { JOB_NAMES, type InstallArgs } from "./install-service-args.js";
import { installationRoot } from "./installation-root.js";
import { serviceZone } from "./local-zone.js";

/**
 * What install-service writes into a service (the template, the job's words, env/), checked
 * now as the service will check it at start: a service that would exit 100 at every start is
 * refused with the message it would log.
 */

/** What install-service writes for a job of the registry: its service/ template and defaults. */
interface JobTemplate {
  readonly template: string;
  /** undefined: --when is required */
  readonly when: string | undefined;
  /** null: the job has no sensible default and the user must say (git-backup's DIR) */
  readonly defaultArgs: readonly string[] | null;
  readonly argsHint: string;
}

const INSTALL_DEFAULTS: Readonly<Record<string, JobTemplate>> = {
  "git-backup": { template: "git-backup", when: ",M=0", defaultArgs: null, argsHint: "-- DIR [options]" },
  "ntp-check": { template: "ntp-check", when: ",M/15", defaultArgs: ["pool.ntp.org"], argsHint: "-- [options] SERVER…" },
  "dns-blocklist": { template: "dns-blocklist", when: ",H=3,M=17", defaultArgs: null, argsHint: "-- --include FILE [options] SOURCE…" },
  exec: { template: "exec-example", when: ",M/5", defaultArgs: ["date"], argsHint: "-- COMMAND [ARG…]" },
  // daily at 04:00 (plus the template's splay): the table changes slowly; every host of a fleet
  // downloading it every hour would be impolite to its publisher
  "asn-db": { template: "asn-db", when: ",H=4", defaultArgs: null, argsHint: "-- --url URL --out FILE [options]" },
};

/** Any job of the registry; one without install defaults uses service/JOB/ and needs --when and its arguments. */
function jobTemplate(job: string): JobTemplate {
  if (!isJobName(job)) die(EXIT_USAGE, `install-service: ${badValue("--job", `unknown job (${JOB_NAMES.join(", ")})`, job)}`);
  return INSTALL_DEFAULTS[job] ?? { template: job, when: undefined, defaultArgs: null, argsHint: `-- ARG…` };
}

/** What goes into the service: which template, the job's words, and env/ settings. */
export interface ServiceContent {
  readonly template: string;
  readonly jobArgs: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** for the closing line: "exec", "config /etc/chime/jobs.json" */
  readonly label: string;
}

export async function jobService(parsed: InstallArgs): Promise<ServiceContent> {
  const job = jobTemplate(parsed.job);
  const jobArgs = parsed.jobArgs ?? job.defaultArgs;
  if (jobArgs === null || jobArgs.length === 0) {
    die(EXIT_USAGE, `install-service: ${badValue("--job", `needs its arguments: ${job.argsHint}`, parsed.job)}`);
  }
  const when = parsed.when ?? job.when;
  if (when === undefined) die(EXIT_USAGE, `install-service: ${badValue("--job", "needs --when SCHEDULE (no default for it)", parsed.job)}`);
  checkScheduleText(when);
  const env = { CHIME_WHEN: when };
  await checkAsTheServiceWill(job.template, jobArgs, env);
  return { template: job.template, jobArgs, env, label: parsed.job };
}

/** A config file the daemon would refuse at start is refused now, with the same message. */
export async function configService(file: string): Promise<ServiceContent> {
  const path = resolve(file);
  const env = { CHIME_CONFIG: path };
  const { opts, serviceEnv } = readServiceOptions("config", [], env);
  try {
    const jobs = await loadConfigFile(path, serviceEnv, configDefaults(opts));
    const zone = zoneOfService(serviceEnv);
    requireNextRun(jobs, zone, nowInstant());
    requireSplayShorterThanInterval(jobs, zone, nowInstant());
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    die(EXIT_USAGE, `install-service: --config ${path}: ${err.message}`);
  }
  return { template: "config", jobArgs: [], env, label: `config ${path}` };
}

function nowInstant(): Instant {
  return { seconds: Math.floor(Date.now() / 1000), nanos: 0 };
}

/** envdir keeps only a file's first line and unsets a variable whose file is empty. */
function checkScheduleText(when: string): void {
  if (when.includes("\n"))
    die(EXIT_USAGE, `install-service: ${badValue("--when", "must be one line (envdir keeps only the first)", when)}`);
  if (when.trim() === "") die(EXIT_USAGE, `install-service: ${badValue("--when", 'empty schedule (use ",S/1" for every second)', when)}`);
}

/**
 * The env/ the service will read: the template's files, first line each, as envdir reads
 * them (an empty file unsets its variable), then what install-service writes.
 */
function serviceEnvironment(template: string, written: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  const dir = join(installationRoot(), "service", template, "env");
  let files: string[] = [];
  try {
    files = readdirSync(dir);
  } catch {
    // a template without env/
  }
  for (const f of files) {
    const value = (readFileSync(join(dir, f), "utf8").split("\n")[0] ?? "").replace(/[ \t]+$/, "");
    if (value !== "") env[f] = value;
  }
  return { ...env, ...written };
}

/** The words the template's run script gives chime before the job's arguments: "--service exec --". */
function runScriptWords(template: string): string[] {
  const run = readFileSync(join(installationRoot(), "service", template, "run"), "utf8");
  const m = /\{\{CHIME\}\}([^\n]*?)(\{\{JOB_ARGS\}\}|$)/m.exec(run);
  return (m?.[1] ?? "").split(/\s+/).filter((w) => w !== "");
}

/** The daemon's options as the service will read them: its run script's words and its env/. */
function readServiceOptions(
  template: string,
  jobArgs: readonly string[],
  written: Readonly<Record<string, string>>,
): { opts: ChimeOptions; serviceEnv: Record<string, string> } {
  const serviceEnv = serviceEnvironment(template, written);
  try {
    return { opts: parseChimeOptions([...runScriptWords(template), ...jobArgs], serviceEnv), serviceEnv };
  } catch (e) {
    if (e instanceof Fatal) die(EXIT_USAGE, `install-service: ${e.message} (the ${template} template's env/)`);
    throw e;
  }
}

/**
 * What the service will check at start, checked now: the daemon's options from the run script
 * and env/, the job's options by its declaration, the schedule and the splay in the zone the
 * service will run in.
 */
async function checkAsTheServiceWill(
  template: string,
  jobArgs: readonly string[],
  written: Readonly<Record<string, string>>,
): Promise<void> {
  const { opts, serviceEnv } = readServiceOptions(template, jobArgs, written);
  const [jobName, ...args] = opts.rest;
  try {
    const spec = await loadSpec(jobName ?? "", "--job");
    readOptions(spec.name, spec.options ?? [], { args, env: serviceEnv });
  } catch (e) {
    if (e instanceof ConfigError) die(EXIT_USAGE, `install-service: ${e.message}`);
    throw e;
  }
  const when = opts.when!;
  const zone = zoneOfService(serviceEnv);
  let schedule: Schedule;
  try {
    schedule = parseSchedule(when.value);
    // one that never matches again (Feb 31) would make the service exit 100 at every start
    schedule.next(nowInstant(), zone);
  } catch (err) {
    if (err instanceof ScheduleRangeError)
      die(EXIT_USAGE, `install-service: ${badValue("--when", "nothing matches within 400 years", when.value)}`);
    if (!(err instanceof ScheduleError)) throw err;
    die(EXIT_USAGE, `install-service: ${badValue("--when", err.message, when.value)}`);
  }
  const why = splayTooLong(schedule, opts.splayMs.value, zone, nowInstant());
  if (why) {
    die(
      EXIT_USAGE,
      `install-service: ${badValue("--when", `with the ${template} template's splay ${durationWords(opts.splayMs.value)} (env/CHIME_SPLAY): ${why}; choose a sparser --when, or install and then shorten env/CHIME_SPLAY`, when.value)}`,
    );
  }
}

/** The service's zone: TZ from its env/, else the system zone — never this shell's TZ. */
function zoneOfService(serviceEnv: Readonly<Record<string, string>>): Zone {
  try {
    return serviceZone(serviceEnv);
  } catch (e) {
    die(EXIT_USAGE, `install-service: ${badValue("TZ (env/)", e instanceof Error ? e.message : String(e), serviceEnv["TZ"])}`);
  }
}
