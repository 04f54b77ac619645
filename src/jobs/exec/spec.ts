import { DEFAULT_GRACE_MS, JobConfigError, type JobSpec } from "../job.js";
import { durationWords } from "../../time/duration-option.js";
import type { OptionSpec } from "../../options/option-spec.js";
import { readOptions } from "../../options/read-options.js";
import { ExecJob } from "./exec-job.js";

const USAGE = "exec -- COMMAND [ARG…]";

/** None of its own: the command's words are the command's (the daemon's --timeout, --grace apply). */
export const OPTIONS: readonly OptionSpec[] = [];

const help = `usage: chime [DAEMON OPTIONS] ${USAGE}

Runs COMMAND with its arguments, without a shell. Each line the command writes on stdout or
stderr becomes one log line tagged with the job, the line as a stdout= or stderr= field.
Its exit status becomes the run's status (Nagios plugin convention):
  0 ok, 1 warning, 2 critical, 3 unknown; any other code or death by a signal: critical;
  a command that cannot be started (not found, not executable): unknown.
The command runs in its own process group. When the run is aborted (--timeout, TERM/INT to
chime) the whole group gets TERM, then KILL after the grace period (--grace, CHIME_GRACE,
default ${durationWords(DEFAULT_GRACE_MS)}). Processes it leaves behind when it exits are terminated the same way.
`;

export const execSpec: JobSpec = {
  name: "exec",
  usage: USAGE,
  help,
  options: OPTIONS,
  create(args, env) {
    // The command's own options are its own: they start at the first word that is not ours.
    const o = readOptions("exec", OPTIONS, { args, env, stopAtPositional: true, usage: `put -- before the command: ${USAGE}` });
    const [command, ...commandArgs] = o.positionals;
    if (command === undefined || command === "") throw new JobConfigError(`exec: missing COMMAND (usage: ${USAGE})`);
    return new ExecJob({ command, args: commandArgs, env });
  },
};
