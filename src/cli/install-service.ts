import { spawnSync } from "node:child_process";
import { constants, readdirSync, readFileSync } from "node:fs";
import { access } from "node:fs/promises";
import { userInfo } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, loadSpec, requireNextRun } from "../daemon/build-job.js";
import { loadConfigFile } from "../daemon/config-file.js";
import { requireSplayShorterThanInterval, splayTooLong } from "../daemon/next-wake.js";
import { durationWords } from "../time/duration-option.js";
import type { Instant } from "../time/instant.js";
import { parseSchedule, ScheduleError, ScheduleRangeError, type Schedule } from "../schedule/schedule.js";
import type { Zone } from "../schedule/zone.js";
import { isJobName, jobLoaders } from "../jobs/registry.js";
import { JobConfigError } from "../jobs/job.js";
import { badValue } from "../options/bad-value.js";
import type { OptionSpec } from "../options/option-spec.js";
import { readOptions, type Options } from "../options/read-options.js";
import { STATE_DIR_OPTION } from "../daemon/daemon-options.js";
import { configDefaults, parseChimeOptions, type ChimeOptions } from "./chime-options.js";
import { die, EXIT_SYSTEM, EXIT_USAGE, Fatal } from "./die.js";
import { serviceZone } from "./local-zone.js";
import { writeServiceDir } from "./service-dir.js";
import { findUser, isPlainUserName, type UserIds } from "../daemon/privileges.js";
import { detectSupervisor, missingPrograms, SUPERVISOR_NAMES, supervisorNamed, type Supervisor } from "./supervisor.js";

const JOB_NAMES = Object.keys(jobLoaders);

export const INSTALL_SERVICE_USAGE =
  `usage: chime install-service NAME --dir DIR --user USER [--log-user USER] [--supervisor daemontools|runit|s6] [--job ${JOB_NAMES.join("|")}] [--when SCHEDULE] [--node PATH] [--down] [--monitor-group GROUP] [-- JOB-ARG…]\n` +
  "       chime install-service NAME --dir DIR --user USER [--log-user USER] [--supervisor S] --config FILE [--node PATH] [--down] [--monitor-group GROUP]";

const HELP = `${INSTALL_SERVICE_USAGE}

Writes a ready service directory DIR/NAME for one chime job, in the idiom of the
supervisor (daemontools shown; runit and s6 below):
  run        exec envdir ./env setuidgid USER node chime JOB …   (mode 0755)
  env/       one CHIME_* variable per file, for envdir (CHIME_WHEN holds the schedule)
  state/     the job's state (--state-dir ${STATE_DIR_OPTION.default}), owned by USER
  log/run    setuidgid LOG-USER multilog s1000000 n20 ./main    (no "t": lines are stamped)
  log/main/  the log, owned by LOG-USER
runit: run execs chpst -e ./env -u USER node …, log/run chpst -u LOG-USER svlogd -tt ./main
(settings in log/main/config); s6: s6-envdir ./env s6-setuidgid USER node …, log/run
s6-setuidgid LOG-USER s6-log t s1000000 n20 ./main. Under both the logger stamps the
lines and env/CHIME_LOG_STAMP is none.
It never overwrites an existing DIR/NAME and never starts the service itself; the
scanner starts it at its next scan unless --down is given.

  --dir DIR         the directory the supervisor scans (e.g. /var/service); must exist
  --user USER       the user the job runs as (setuidgid); root also needs this flag's
                    consent in env/ (CHIME_ALLOW_ROOT is written for you)
  --log-user USER   the user the logger runs as (default: --user)
  --supervisor S    daemontools, runit or s6 (default: the one whose scanner, svscan,
                    runsvdir or s6-svscan, is on PATH; with several, the one DIR shows
                    signs of, else daemontools)
  --job JOB         ${JOB_NAMES.join(", ")} (default exec)
  --when SCHEDULE   written to env/CHIME_WHEN (default: git-backup ,M=0; ntp-check ,M/15;
                    dns-blocklist ,H=3,M=17; exec ,M/5)
  --config FILE     instead of --job/--when/JOB-ARGs: run every job of the JSON file
                    FILE (env/CHIME_CONFIG), each on its own schedule; svc -h reloads it.
                    Checked now as chime will check it at start.
The schedule, the settings in env/ and the job's options are checked now as the service
will check them at start: in the service's zone (TZ in env/, else the system zone of
/etc/localtime, not this shell's TZ).
  --node PATH       the node executable the run script uses (default: this one)
  --down            also write a "down" file: the service waits for svc -u
  --monitor-group GROUP  members of GROUP may run chime check on the service: state/ and
                    supervise/ become 0750 and group GROUP, env/ 0710 with only the
                    CHIME_* settings chime check reads group-readable (never a secret)
  -- JOB-ARG…       the job's arguments (git-backup: DIR [options], required;
                    ntp-check: [options] SERVER…, default pool.ntp.org;
                    dns-blocklist: --include FILE [options] SOURCE…, required;
                    exec: COMMAND [ARG…], default date)

Run as root to install for another user; as any other user, --user and --log-user must
be yourself and the run scripts do not call setuidgid.
Exit codes: 0 written; 100 bad usage, bad name, unknown user or existing directory;
111 a system failure (e.g. permission denied writing DIR).
`;

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

/** The daemon refuses to run as root without this consent (DESIGN.md §3). */
export const ALLOW_ROOT_ENV = "CHIME_ALLOW_ROOT";

interface InstallArgs {
  readonly name: string;
  readonly dir: string;
  readonly user: string;
  readonly logUser: string;
  readonly job: string;
  readonly when: string | undefined;
  readonly node: string | undefined;
  readonly down: boolean;
  readonly jobArgs: readonly string[] | undefined;
  readonly config: string | undefined;
  readonly supervisor: string | undefined;
  readonly monitorGroup: string | undefined;
}

// Service names become directory names under svscan's directory: plain, and never
// starting with "." (svscan skips those) or "-" (read as an option by svc and friends).
const PLAIN_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

const INSTALL_OPTIONS: readonly OptionSpec[] = [
  { name: "dir", kind: "text", value: "DIR", help: "the directory the supervisor scans" },
  { name: "user", kind: "text", value: "USER", help: "the user the job runs as" },
  { name: "log-user", kind: "text", value: "USER", help: "the user the logger runs as" },
  { name: "supervisor", kind: "text", value: "S", help: "daemontools, runit or s6" },
  { name: "job", kind: "text", value: "JOB", default: "exec", help: "the job" },
  { name: "when", kind: "text", value: "SCHEDULE", help: "the schedule" },
  { name: "node", kind: "text", value: "PATH", help: "the node executable" },
  { name: "config", kind: "text", value: "FILE", help: "a config file instead of one job" },
  { name: "down", kind: "switch", help: "write a down file" },
  { name: "monitor-group", kind: "text", value: "GROUP", help: "a group that may read what chime check needs" },
  { name: "help", kind: "switch", short: "h", help: "this text" },
];

function parseInstallArgs(args: readonly string[]): InstallArgs | "help" {
  let o: Options;
  try {
    o = readOptions("install-service", INSTALL_OPTIONS, { args, usage: INSTALL_SERVICE_USAGE });
  } catch (e) {
    if (e instanceof JobConfigError) die(EXIT_USAGE, e.message);
    throw e;
  }
  if (o.switch("help")) return "help";
  const jobArgs = o.afterTerminator;
  const [name, extra] = o.positionals.slice(0, o.positionals.length - (jobArgs?.length ?? 0));
  if (name === undefined) die(EXIT_USAGE, `install-service: missing service NAME\n${INSTALL_SERVICE_USAGE}`);
  if (extra !== undefined) die(EXIT_USAGE, `install-service: unexpected argument: ${extra} (job arguments go after --)`);
  const dir = o.text("dir");
  if (dir === undefined) die(EXIT_USAGE, `install-service: missing --dir DIR (the directory svscan scans)`);
  const user = o.text("user");
  if (user === undefined) die(EXIT_USAGE, `install-service: missing --user USER (the user the job runs as)`);
  const config = o.text("config");
  if (config !== undefined) {
    const clash = (["job", "when"] as const).find((f) => o.source(f) !== "default") ?? (jobArgs ? "-- JOB-ARG…" : undefined);
    if (clash) die(EXIT_USAGE, `install-service: --config ${config} and ${clash.startsWith("-") ? clash : `--${clash}`} exclude each other (the file names each job and its schedule)`);
  }
  return {
    name,
    dir,
    user,
    config,
    logUser: o.text("log-user") ?? user,
    job: o.text("job")!,
    when: o.text("when"),
    node: o.text("node"),
    down: o.switch("down"),
    jobArgs,
    supervisor: o.text("supervisor"),
    monitorGroup: o.text("monitor-group"),
  };
}

/** `chime install-service …`: returns the exit code; bad input throws Fatal (exit 100). */
export async function runInstallService(
  args: readonly string[],
  out: (line: string) => void = (line) => process.stdout.write(line + "\n"),
): Promise<number> {
  const parsed = parseInstallArgs(args);
  if (parsed === "help") {
    out(HELP.trimEnd());
    return 0;
  }
  if (!PLAIN_NAME.test(parsed.name)) {
    die(EXIT_USAGE, `install-service: ${badValue("NAME (argument)", "not a service name (use letters, digits, . _ -; not starting with . or -)", parsed.name)}`);
  }
  const what = parsed.config !== undefined ? await configService(parsed.config) : await jobService(parsed);
  if (parsed.monitorGroup !== undefined && !isPlainUserName(parsed.monitorGroup)) {
    die(EXIT_USAGE, `install-service: --monitor-group ${JSON.stringify(parsed.monitorGroup)}: not a plain group name`);
  }

  const asRoot = process.getuid?.() === 0;
  const user = await requireUser("--user", parsed.user, asRoot);
  const logUser = await requireUser("--log-user", parsed.logUser, asRoot);

  const root = installationRoot();
  const chime = join(root, "dist", "bin", "chime.cjs");
  await access(chime).catch(() => die(EXIT_SYSTEM, `install-service: chime's program ${chime} is missing (run npm run build)`));
  const node = resolve(parsed.node ?? process.execPath);
  await access(node, constants.X_OK).catch(() => die(EXIT_USAGE, `install-service: ${badValue("--node", "not an executable file", node)}`));
  if (asRoot && user.uid !== 0) {
    const blocked = unreachableFor(user, node, [chime, ...(what.env["CHIME_CONFIG"] ? [what.env["CHIME_CONFIG"]] : [])]);
    if (blocked) out(`warning: ${user.name} cannot ${blocked}: the service would fail at every start; install chime (and node, --node) where ${user.name} can read them`);
  }
  const supervisor = chooseSupervisor(parsed, asRoot, out);
  const env: Record<string, string> = { ...supervisor.env, ...what.env };
  if (user.uid === 0) env[ALLOW_ROOT_ENV] = "1";

  const target = await writeServiceDir({
    parentDir: resolve(parsed.dir),
    name: parsed.name,
    templateDir: join(root, "service", what.template),
    logRunTemplate: join(root, supervisor.logRunTemplate),
    supervisor,
    node,
    chime,
    jobArgs: what.jobArgs,
    env,
    user,
    logUser,
    asRoot,
    down: parsed.down,
    monitorGroup: parsed.monitorGroup,
  });
  if (user.uid === 0) out(`warning: ${target} runs its job as root (env/${ALLOW_ROOT_ENV} written)`);
  const start = parsed.down ? `it stays down until ${supervisor.upCommand}` : supervisor.scanNote;
  out(`wrote ${target} for ${supervisor.name} (${what.label} as ${user.name}, log as ${logUser.name}); ${start}`);
  return 0;
}

/**
 * --supervisor, or the one detected; refused when a program its scripts call is missing
 * (the service would fail at every start with "not found" in a log nobody reads yet).
 */
function chooseSupervisor(parsed: InstallArgs, asRoot: boolean, out: (line: string) => void): Supervisor {
  let supervisor: Supervisor;
  if (parsed.supervisor !== undefined) {
    const named = supervisorNamed(parsed.supervisor);
    if (!named) die(EXIT_USAGE, `install-service: ${badValue("--supervisor", `unknown supervisor (${SUPERVISOR_NAMES.join(", ")})`, parsed.supervisor)}`);
    supervisor = named;
  } else {
    const dir = resolve(parsed.dir);
    let existing: string[] = [];
    try {
      existing = readdirSync(dir).filter((n) => !n.startsWith("."));
    } catch {
      // a missing --dir is reported when the directory is written
    }
    const found = detectSupervisor(dir, existing);
    if (found.supervisor === null) die(EXIT_USAGE, `install-service: ${found.why}`);
    supervisor = found.supervisor;
    if (found.why.startsWith("several")) out(`note: ${found.why}`);
  }
  const lacking = missingPrograms(supervisor, asRoot);
  if (lacking.length > 0) {
    const what = lacking.length === 1 ? `${lacking[0]}, which is` : `${lacking.join(", ")}, which are`;
    die(EXIT_USAGE, `install-service: ${badValue("--supervisor", `the run scripts call ${what} not on PATH (install the ${supervisor.pkg} package)`, supervisor.name)}`);
  }
  return supervisor;
}

/** What goes into the service: which template, the job's words, and env/ settings. */
interface ServiceContent {
  readonly template: string;
  readonly jobArgs: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** for the closing line: "exec", "config /etc/chime/jobs.json" */
  readonly label: string;
}

async function jobService(parsed: InstallArgs): Promise<ServiceContent> {
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
async function configService(file: string): Promise<ServiceContent> {
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
  if (when.includes("\n")) die(EXIT_USAGE, `install-service: ${badValue("--when", "must be one line (envdir keeps only the first)", when)}`);
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
function readServiceOptions(template: string, jobArgs: readonly string[], written: Readonly<Record<string, string>>): { opts: ChimeOptions; serviceEnv: Record<string, string> } {
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
async function checkAsTheServiceWill(template: string, jobArgs: readonly string[], written: Readonly<Record<string, string>>): Promise<void> {
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
    if (err instanceof ScheduleRangeError) die(EXIT_USAGE, `install-service: ${badValue("--when", "nothing matches within 400 years", when.value)}`);
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

async function requireUser(flag: string, name: string, asRoot: boolean): Promise<UserIds> {
  if (!isPlainUserName(name)) die(EXIT_USAGE, `install-service: ${badValue(flag, "not a plain user name", name)}`);
  let user: UserIds | null;
  try {
    user = findUser(name);
  } catch (err) {
    die(EXIT_SYSTEM, `install-service: ${badValue(flag, (err as Error).message, name)}`);
  }
  if (!user) die(EXIT_USAGE, `install-service: ${badValue(flag, "no such user", name)}`);
  // Only root can chown to another user or call setuidgid; anyone else installs for themselves.
  if (!asRoot && user.uid !== process.getuid?.()) {
    die(EXIT_USAGE, `install-service: ${badValue(flag, `only root can install a service for another user (you are ${userInfo().username})`, name)}`);
  }
  return user;
}

/**
 * What `user` cannot do of what the run script will ask (run node, read chime's bundle and the
 * config file), found by trying it as that user, the way setuidgid will; undefined if all is
 * well. A checkout under /root is the usual culprit: nobody cannot enter it.
 */
function unreachableFor(user: UserIds, node: string, files: readonly string[]): string | undefined {
  const probe = "for (const f of process.argv.slice(1)) try { require('fs').accessSync(f, 4) } catch { console.log(f); process.exit(1) }";
  const r = spawnSync(node, ["-e", probe, ...files], { uid: user.uid, gid: user.gid, cwd: "/", encoding: "utf8", timeout: 10_000 });
  if (r.error) return `run ${node} (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`;
  if (r.status === 0) return undefined;
  const file = r.stdout.trim();
  return file ? `read ${file}` : `run ${node} (exit ${r.status ?? r.signal})`;
}

/** The chime installation this code belongs to: src/cli/ and dist/bin/ both sit two levels down. */
function installationRoot(): string {
  return fileURLToPath(new URL("../../", import.meta.url));
}
