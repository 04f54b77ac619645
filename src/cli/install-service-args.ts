import { jobLoaders } from "../jobs/registry.js";
import { JobConfigError } from "../jobs/job.js";
import type { OptionSpec } from "../options/option-spec.js";
import { readOptions, type Options } from "../options/read-options.js";
import { STATE_DIR_OPTION } from "../daemon/daemon-options.js";
import { die, EXIT_USAGE } from "./die.js";

/** install-service's command line: its usage and help, its options, and their reading. */

/** every job of the registry, for the usage and --job's check */
export const JOB_NAMES = Object.keys(jobLoaders);

export const INSTALL_SERVICE_USAGE =
  `usage: chime install-service NAME --dir DIR --user USER [--log-user USER] [--supervisor daemontools|runit|s6] [--job ${JOB_NAMES.join("|")}] [--when SCHEDULE] [--node PATH] [--down] [--monitor-group GROUP] [-- JOB-ARG…]\n` +
  "       chime install-service NAME --dir DIR --user USER [--log-user USER] [--supervisor S] --config FILE [--node PATH] [--down] [--monitor-group GROUP]";

export const INSTALL_SERVICE_HELP = `${INSTALL_SERVICE_USAGE}

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

export interface InstallArgs {
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

export function parseInstallArgs(args: readonly string[]): InstallArgs | "help" {
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
    if (clash)
      die(
        EXIT_USAGE,
        `install-service: --config ${config} and ${clash.startsWith("-") ? clash : `--${clash}`} exclude each other (the file names each job and its schedule)`,
      );
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
