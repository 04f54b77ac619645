import { spawnSync } from "node:child_process";
import { constants, readdirSync, readFileSync } from "node:fs";
import { access } from "node:fs/promises";
import { userInfo } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, requireNextRun } from "../daemon/build-job.js";
import { loadConfigFile } from "../daemon/config-file.js";
import { requireSplayShorterThanInterval, splayTooLong } from "../daemon/next-wake.js";
import { parseDurationMs } from "../time/duration-option.js";
import { parseSchedule, ScheduleError, ScheduleRangeError } from "../schedule/schedule.js";
import { die, EXIT_SYSTEM, EXIT_USAGE } from "./die.js";
import { writeServiceDir } from "./service-dir.js";
import { utcZone } from "../schedule/zone.js";
import { findUser, isPlainUserName, type UserIds } from "../daemon/privileges.js";
import { detectSupervisor, missingPrograms, SUPERVISOR_NAMES, supervisorNamed, type Supervisor } from "./supervisor.js";

export const INSTALL_SERVICE_USAGE =
  "usage: chime install-service NAME --dir DIR --user USER [--log-user USER] [--supervisor daemontools|runit|s6] [--job git-backup|ntp-check|exec] [--when SCHEDULE] [--node PATH] [--down] [--monitor-group GROUP] [-- JOB-ARG…]\n" +
  "       chime install-service NAME --dir DIR --user USER [--log-user USER] [--supervisor S] --config FILE [--node PATH] [--down] [--monitor-group GROUP]";

const HELP = `${INSTALL_SERVICE_USAGE}

Writes a ready service directory DIR/NAME for one chime job, in the idiom of the
supervisor (daemontools shown; runit and s6 below):
  run        exec envdir ./env setuidgid USER node chime JOB …   (mode 0755)
  env/       one CHIME_* variable per file, for envdir (CHIME_WHEN holds the schedule)
  state/     the job's state (--state-dir ./state), owned by USER
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
  --job JOB         git-backup, ntp-check or exec (default exec)
  --when SCHEDULE   written to env/CHIME_WHEN (default: git-backup ,M=0; ntp-check ,M/15;
                    exec ,M/5)
  --config FILE     instead of --job/--when/JOB-ARGs: run every job of the JSON file
                    FILE (env/CHIME_CONFIG), each on its own schedule; svc -h reloads it.
                    Checked now as chime will check it at start.
  --node PATH       the node executable the run script uses (default: this one)
  --down            also write a "down" file: the service waits for svc -u
  --monitor-group GROUP  members of GROUP may run chime check on the service: state/ and
                    supervise/ become 0750 and group GROUP, env/ 0710 with only the
                    CHIME_* settings chime check reads group-readable (never a secret)
  -- JOB-ARG…       the job's arguments (git-backup: DIR [options], required;
                    ntp-check: [options] SERVER…, default pool.ntp.org;
                    exec: COMMAND [ARG…], default date)

Run as root to install for another user; as any other user, --user and --log-user must
be yourself and the run scripts do not call setuidgid.
Exit codes: 0 written; 100 bad usage, bad name, unknown user or existing directory;
111 a system failure (e.g. permission denied writing DIR).
`;

interface JobTemplate {
  readonly template: string;
  readonly when: string;
  /** null: the job has no sensible default and the user must say (git-backup's DIR) */
  readonly defaultArgs: readonly string[] | null;
  readonly argsHint: string;
}

const JOB_TEMPLATES: Readonly<Record<string, JobTemplate>> = {
  "git-backup": { template: "git-backup", when: ",M=0", defaultArgs: null, argsHint: "-- DIR [options]" },
  "ntp-check": { template: "ntp-check", when: ",M/15", defaultArgs: ["pool.ntp.org"], argsHint: "-- [options] SERVER…" },
  exec: { template: "exec-example", when: ",M/5", defaultArgs: ["date"], argsHint: "-- COMMAND [ARG…]" },
};

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

const VALUE_FLAGS = new Set(["--dir", "--user", "--log-user", "--job", "--when", "--node", "--config", "--supervisor", "--monitor-group"]);

function parseInstallArgs(args: readonly string[]): InstallArgs | "help" {
  const values = new Map<string, string>();
  const positionals: string[] = [];
  let down = false;
  let jobArgs: string[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--") {
      jobArgs = args.slice(i + 1);
      break;
    }
    if (arg === "--help" || arg === "-h") return "help";
    if (arg === "--down") {
      down = true;
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    if (VALUE_FLAGS.has(flag)) {
      const value = flag !== arg ? arg.slice(eq + 1) : args[++i];
      if (value === undefined) die(EXIT_USAGE, `install-service: ${flag} needs a value\n${INSTALL_SERVICE_USAGE}`);
      if (values.has(flag)) die(EXIT_USAGE, `install-service: ${flag} given twice`);
      values.set(flag, value);
      continue;
    }
    if (arg.startsWith("-")) die(EXIT_USAGE, `install-service: unknown option: ${arg}\n${INSTALL_SERVICE_USAGE}`);
    positionals.push(arg);
  }
  const [name, extra] = positionals;
  if (name === undefined) die(EXIT_USAGE, `install-service: missing service NAME\n${INSTALL_SERVICE_USAGE}`);
  if (extra !== undefined) die(EXIT_USAGE, `install-service: unexpected argument: ${extra} (job arguments go after --)`);
  const dir = values.get("--dir");
  if (dir === undefined) die(EXIT_USAGE, `install-service: missing --dir DIR (the directory svscan scans)`);
  const user = values.get("--user");
  if (user === undefined) die(EXIT_USAGE, `install-service: missing --user USER (the user the job runs as)`);
  const config = values.get("--config");
  if (config !== undefined) {
    const clash = ["--job", "--when"].find((f) => values.has(f)) ?? (jobArgs ? "-- JOB-ARG…" : undefined);
    if (clash) die(EXIT_USAGE, `install-service: --config ${config} and ${clash} exclude each other (the file names each job and its schedule)`);
  }
  return {
    name,
    dir,
    user,
    config,
    logUser: values.get("--log-user") ?? user,
    job: values.get("--job") ?? "exec",
    when: values.get("--when"),
    node: values.get("--node"),
    down,
    jobArgs,
    supervisor: values.get("--supervisor"),
    monitorGroup: values.get("--monitor-group"),
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
    die(EXIT_USAGE, `install-service: bad service name: ${JSON.stringify(parsed.name)} (use letters, digits, . _ -; not starting with . or -)`);
  }
  const what = parsed.config !== undefined ? await configService(parsed.config) : jobService(parsed);
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
  await access(node, constants.X_OK).catch(() => die(EXIT_USAGE, `install-service: --node ${node}: not an executable file`));
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
    if (!named) die(EXIT_USAGE, `install-service: --supervisor ${parsed.supervisor}: unknown supervisor (${SUPERVISOR_NAMES.join(", ")})`);
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
    die(EXIT_USAGE, `install-service: --supervisor ${supervisor.name}: the run scripts call ${what} not on PATH (install the ${supervisor.pkg} package)`);
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

function jobService(parsed: InstallArgs): ServiceContent {
  const job = Object.hasOwn(JOB_TEMPLATES, parsed.job) ? JOB_TEMPLATES[parsed.job] : undefined;
  if (!job) {
    die(EXIT_USAGE, `install-service: --job ${parsed.job}: unknown job (git-backup, ntp-check or exec)`);
  }
  const jobArgs = parsed.jobArgs ?? job.defaultArgs;
  if (jobArgs === null || jobArgs.length === 0) {
    die(EXIT_USAGE, `install-service: --job ${parsed.job} needs its arguments: ${job.argsHint}`);
  }
  const when = parsed.when ?? job.when;
  checkSchedule(when);
  checkTemplateSplay(job.template, when);
  return { template: job.template, jobArgs, env: { CHIME_WHEN: when }, label: parsed.job };
}

/** A config file the daemon would refuse at start is refused now, with the same message. */
async function configService(file: string): Promise<ServiceContent> {
  const path = resolve(file);
  try {
    const jobs = await loadConfigFile(path, process.env, { splayMs: 0 });
    const now = { seconds: Math.floor(Date.now() / 1000), nanos: 0 };
    requireNextRun(jobs, utcZone(), now);
    requireSplayShorterThanInterval(jobs, utcZone(), now);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    die(EXIT_USAGE, `install-service: --config ${path}: ${err.message}`);
  }
  return { template: "config", jobArgs: [], env: { CHIME_CONFIG: path }, label: `config ${path}` };
}

/** A schedule the daemon would refuse at start is refused now, with the parser's reason. */
function checkSchedule(when: string): void {
  // envdir keeps only a file's first line: a multi-line schedule would be cut silently.
  if (when.includes("\n")) die(EXIT_USAGE, `install-service: --when ${JSON.stringify(when)}: must be one line`);
  // envdir unsets a variable whose file is empty: the service would not be scheduled at all.
  if (when.trim() === "") die(EXIT_USAGE, `install-service: --when ${JSON.stringify(when)}: empty schedule (use ",S/1" for every second)`);
  try {
    // one that never matches again (Feb 31) would make the service exit 100 at every start
    parseSchedule(when).next({ seconds: Math.floor(Date.now() / 1000), nanos: 0 }, utcZone());
  } catch (err) {
    if (err instanceof ScheduleRangeError) die(EXIT_USAGE, `install-service: --when ${JSON.stringify(when)}: nothing matches within 400 years`);
    if (!(err instanceof ScheduleError)) throw err;
    die(EXIT_USAGE, `install-service: --when ${JSON.stringify(when)}: ${err.message}`);
  }
}

/** The template's env/CHIME_SPLAY must fit the schedule, as chime will require at start. */
function checkTemplateSplay(template: string, when: string): void {
  const file = join(installationRoot(), "service", template, "env", "CHIME_SPLAY");
  let text: string;
  try {
    text = (readFileSync(file, "utf8").split("\n")[0] ?? "").trim();
  } catch {
    return; // no splay in this template
  }
  const splayMs = parseDurationMs(text);
  if (splayMs === null || text === "") return;
  const why = splayTooLong(parseSchedule(when), splayMs, utcZone(), { seconds: Math.floor(Date.now() / 1000), nanos: 0 });
  if (why) die(EXIT_USAGE, `install-service: --when ${JSON.stringify(when)} with the ${template} template's splay ${text} (env/CHIME_SPLAY): ${why}; choose a sparser --when, or install and then shorten env/CHIME_SPLAY`);
}

async function requireUser(flag: string, name: string, asRoot: boolean): Promise<UserIds> {
  if (!isPlainUserName(name)) die(EXIT_USAGE, `install-service: ${flag} ${JSON.stringify(name)}: not a plain user name`);
  let user: UserIds | null;
  try {
    user = findUser(name);
  } catch (err) {
    die(EXIT_SYSTEM, `install-service: ${flag} ${name}: ${(err as Error).message}`);
  }
  if (!user) die(EXIT_USAGE, `install-service: ${flag} ${name}: no such user`);
  // Only root can chown to another user or call setuidgid; anyone else installs for themselves.
  if (!asRoot && user.uid !== process.getuid?.()) {
    die(EXIT_USAGE, `install-service: ${flag} ${name}: only root can install a service for another user (you are ${userInfo().username})`);
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
