import { join } from "node:path";
import { FileStateStore } from "../daemon/run-state.js";
import { loadSpec } from "../daemon/build-job.js";
import { runJob } from "../daemon/run-job.js";
import { runningAsRoot } from "../daemon/privileges.js";
import { becomeUser } from "./become-user.js";
import { installSignalHandlers } from "../daemon/signal-handlers.js";
import { exitCodeOfStatus, JobConfigError, type Environment } from "../jobs/job.js";
import { createLog } from "../log/logger.js";
import { systemClock } from "../sleep/clock.js";
import type { ChimeOptions } from "./chime-options.js";
import { die, EXIT_SYSTEM, EXIT_USAGE } from "./die.js";

/** `chime JOB [ARG…]`: one run, by hand or from cron; exit 0/1/2/3 from its status. */
export async function runOnceCommand(opts: ChimeOptions, env: Environment, out: (line: string) => void): Promise<number> {
  const [jobName, ...args] = opts.rest;
  if (jobName === undefined) die(EXIT_USAGE, "missing JOB; see chime --help");
  const spec = await loadSpec(jobName, "JOB (argument)");
  if (args[0] === "--help" || args[0] === "-h") {
    out(spec.help.trimEnd());
    return 0;
  }
  let job;
  try {
    job = spec.create(args, env);
  } catch (e) {
    if (e instanceof JobConfigError) die(EXIT_USAGE, e.message);
    throw e;
  }
  const tag = opts.name?.value ?? jobName;
  if (opts.user) becomeUser(opts.user);
  // never a run with an empty or substituted state path: the job's memory would be lost
  let stateDir: string;
  try {
    stateDir = await new FileStateStore(opts.stateDir.value).prepareJobDir(tag);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    die(
      EXIT_SYSTEM,
      `unable to create the job's state directory ${join(opts.stateDir.value, tag)}: ${code} (--state-dir from ${opts.stateDir.source}); nothing was run`,
    );
  }
  const chimeLog = createLog({
    format: opts.logFormat.value,
    stamp: opts.logStamp.value,
    capBytes: opts.logBufferBytes.value,
    ...(spec.pluginOutput ? { out: process.stderr } : {}),
  });
  const log = chimeLog.forJob(tag);
  // by hand as root is allowed (an admin trying a job out), but never silently
  if (runningAsRoot()) log.warn("running as root");

  const stop = new AbortController();
  const uninstall = installSignalHandlers(
    {
      stop: (sig) => stop.abort(sig),
      // a hangup of the terminal we were started from ends the run like INT
      reload: () => stop.abort("HUP"),
      alarm: () => log.info({ signal: "ALRM" }, "running already"),
      status: () => log.info({ signal: "USR1" }, "running"),
    },
    chimeLog.log,
  );
  const { result } = await runJob({
    job,
    log,
    stateDir,
    now: () => systemClock.now(),
    reason: "once",
    timeoutMs: opts.timeoutMs?.value,
    graceMs: opts.graceMs.value,
    stop: stop.signal,
  });
  if (spec.pluginOutput) out((result.report ?? `${result.summary}\n`).trimEnd());
  await chimeLog.flush(2000);
  uninstall();
  return exitCodeOfStatus[result.status];
}
