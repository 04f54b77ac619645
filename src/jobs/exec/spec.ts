import { JobConfigError, type JobSpec } from "../job.js";
import { ExecJob } from "./exec-job.js";

const help = `usage: chime [DAEMON OPTIONS] exec -- COMMAND [ARG…]

Runs COMMAND with its arguments, without a shell. Each line the command writes on stdout or
stderr becomes one log line tagged with the job, the line as a stdout= or stderr= field.
Its exit status becomes the run's status (Nagios plugin convention):
  0 ok, 1 warning, 2 critical, 3 unknown; any other code or death by a signal: critical;
  a command that cannot be started (not found, not executable): unknown.
The command runs in its own process group. When the run is aborted (--timeout, TERM/INT to
chime) the whole group gets TERM, then KILL after the grace period (--grace, CHIME_GRACE,
default 5 s). Processes it leaves behind when it exits are terminated the same way.
`;

export const execSpec: JobSpec = {
  name: "exec",
  usage: "exec -- COMMAND [ARG…]",
  help,
  create(args, env) {
    let rest = [...args];
    if (rest[0] === "--") rest = rest.slice(1);
    else if (rest[0]?.startsWith("-")) {
      throw new JobConfigError(`exec: unknown option ${rest[0]} (put -- before the command)`);
    }
    const [command, ...commandArgs] = rest;
    if (command === undefined || command === "") throw new JobConfigError("exec: missing COMMAND (usage: exec -- COMMAND [ARG…])");
    return new ExecJob({ command, args: commandArgs, env });
  },
};
