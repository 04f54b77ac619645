import { badValue } from "../options/bad-value.js";
import { hostname } from "node:os";
import { CHIME_VERSION } from "./version.js";
import { buildScheduledJob, ConfigError, requireNextRun } from "../daemon/build-job.js";
import { loadConfigFile } from "../daemon/config-file.js";
import { Daemon } from "../daemon/daemon.js";
import { requireSplayShorterThanInterval } from "../daemon/next-wake.js";
import { lookupUser, runningAsRoot } from "../daemon/privileges.js";
import { becomeUser } from "./become-user.js";
import { FileStateStore } from "../daemon/run-state.js";
import { METRICS_HEARTBEAT_MS, MetricsStateStore } from "../daemon/job-metrics.js";
import type { ScheduledJob } from "../daemon/scheduled-job.js";
import { installSignalHandlers } from "../daemon/signal-handlers.js";
import { checkStateDir, StateDirError } from "../daemon/state-dir-check.js";
import type { Environment } from "../jobs/job.js";
import { createLog } from "../log/logger.js";
import type { Zone } from "../schedule/zone.js";
import { localZone } from "./local-zone.js";
import { systemClock } from "../sleep/clock.js";
import { sleepUntil } from "../sleep/sleep-until.js";
import { configDefaults, type ChimeOptions } from "./chime-options.js";
import { die, EXIT_SYSTEM, EXIT_USAGE } from "./die.js";

/** how long a stopping service waits for a stalled log reader before it exits anyway */
const FLUSH_TIMEOUT_MS = 2000;

/** `chime --when SCHEDULE JOB …` and `chime --config FILE`: the service, until TERM/INT. */
export async function runService(opts: ChimeOptions, env: Environment): Promise<number> {
  // Until the daemon is up (loading a config file takes a moment), a signal from supervise
  // must not hit Node's defaults: HUP and ALRM would kill us. TERM/INT mean "do not start".
  let stopBeforeStart = false;
  const early = (sig: NodeJS.Signals) => {
    if (sig === "SIGTERM" || sig === "SIGINT") stopBeforeStart = true;
  };
  const earlySignals: NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGHUP", "SIGALRM", "SIGUSR1", "SIGUSR2", "SIGQUIT"];
  for (const sig of earlySignals) process.on(sig, early);
  try {
    return await startService(
      opts,
      env,
      () => stopBeforeStart,
      () => {
        for (const sig of earlySignals) process.off(sig, early);
      },
    );
  } finally {
    for (const sig of earlySignals) process.off(sig, early);
  }
}

async function startService(
  opts: ChimeOptions,
  env: Environment,
  stopBeforeStart: () => boolean,
  dropEarlyHandlers: () => void,
): Promise<number> {
  const zone = zoneOf(env);
  const jobEnv = env;
  const defaults = configDefaults(opts);
  const retry = defaults.retry!;
  let jobs: ScheduledJob[];
  let reload: (() => Promise<ScheduledJob[]>) | undefined;
  if (opts.config) {
    const config = opts.config;
    if (opts.rest.length > 0) die(EXIT_USAGE, `give either ${config.source} or a JOB (${opts.rest[0]}), not both`);
    if (opts.when)
      die(EXIT_USAGE, `give either ${config.source} or ${opts.when.source}, not both (each job in the file has its own "when")`);
    const load = async () => {
      const loaded = await loadConfigFile(config.value, jobEnv, defaults);
      requireNextRun(loaded, zone, systemClock.now());
      requireSplayShorterThanInterval(loaded, zone, systemClock.now());
      return loaded;
    };
    jobs = await load();
    reload = load;
  } else {
    const when = opts.when;
    if (!when) die(EXIT_USAGE, noSchedule(env));
    const [jobName, ...args] = opts.rest;
    if (jobName === undefined) die(EXIT_USAGE, `missing JOB after ${when.source}; see chime --help`);
    jobs = [
      await buildScheduledJob(
        {
          tag: opts.name?.value ?? jobName,
          jobName,
          args,
          when: when.value,
          timeoutMs: defaults.timeoutMs,
          splayMs: defaults.splayMs,
          atStart: defaults.atStart,
          retry,
          alerts: defaults.alerts,
        },
        jobEnv,
        {
          tag: opts.name ? `${opts.name.source}` : "JOB name (argument)",
          job: "JOB (argument)",
          args: `${jobName} arguments`,
          when: when.source,
          splay: opts.splayMs.source,
        },
      ),
    ];
    requireNextRun(jobs, zone, systemClock.now());
    requireSplayShorterThanInterval(jobs, zone, systemClock.now());
  }

  // --user root is where the jobs run, not consent to run them as root: only --allow-root is
  const target = opts.user ? lookupUser(opts.user.value, opts.user.source) : undefined;
  const asRoot = target ? target.uid === 0 : runningAsRoot();
  if (asRoot && !opts.allowRoot.value) {
    if (opts.user) {
      die(
        EXIT_USAGE,
        `refusing to run jobs as root as a service: user ${opts.user.value} from ${opts.user.source} is root, and --user is not consent; use an unprivileged user or add --allow-root (CHIME_ALLOW_ROOT)`,
      );
    }
    die(
      EXIT_USAGE,
      "refusing to run jobs as root as a service: use --user NAME (CHIME_USER), setuidgid in the run script, or --allow-root (CHIME_ALLOW_ROOT)",
    );
  }
  if (opts.user) becomeUser(opts.user, target);

  // Before anything else is started or read: a service that cannot keep its records must not
  // run (catch-up and `chime status` would be lost silently), and says where and why.
  const store = new FileStateStore(opts.stateDir.value);
  try {
    await checkStateDir(
      store,
      jobs.map((j) => j.tag),
    );
  } catch (e) {
    if (e instanceof StateDirError) die(EXIT_SYSTEM, `${e.message} (--state-dir ${e.dir} from ${opts.stateDir.source})`);
    throw e;
  }

  const chimeLog = createLog({ format: opts.logFormat.value, stamp: opts.logStamp.value, capBytes: opts.logBufferBytes.value });
  // Node prints its runtime warnings on stderr, which the run script joins to the log:
  // unstamped lines there. Log them as stamped lines instead.
  process.removeAllListeners("warning");
  process.on("warning", (w) => chimeLog.log.warn({ warning: w.name }, w.message));
  chimeLog.log.info(
    {
      version: CHIME_VERSION,
      jobs: jobs.length,
      state_dir: opts.stateDir.value,
      zone: zone.name,
      uid: process.getuid?.() ?? -1,
      catch_up: opts.catchUp.value ? "yes" : "no",
      ...(opts.maxConcurrent ? { max_concurrent: opts.maxConcurrent.value } : {}),
    },
    "starting",
  );
  if (asRoot) chimeLog.log.warn({ allow_root: opts.allowRoot.source }, "running jobs as root");
  const metricsFile = opts.metricsFile;
  const jobStore = metricsFile
    ? new MetricsStateStore(store, metricsFile.value, (e) =>
        chimeLog.log.warn(
          { file: metricsFile.value, error: (e as NodeJS.ErrnoException).code ?? String(e), from: metricsFile.source },
          "unable to write the metrics file",
        ),
      )
    : store;
  if (jobStore instanceof MetricsStateStore) jobStore.startHeartbeat(METRICS_HEARTBEAT_MS);
  const daemon = new Daemon(
    { clock: systemClock, sleep: sleepUntil, zone, hostname: hostname(), store: jobStore, environment: env },
    chimeLog,
    { catchUp: opts.catchUp.value, graceMs: opts.graceMs.value, maxConcurrent: opts.maxConcurrent?.value, reload },
  );
  let stopped: Promise<boolean> | undefined;
  let stopRequested!: () => void;
  const stopSignal = new Promise<void>((r) => (stopRequested = r));
  // Handlers stay installed to the very end: a second TERM while we flush must not kill us
  // with Node's default action (exit 143, lines lost).
  installSignalHandlers(
    {
      stop: (sig) => {
        stopped ??= daemon.stop(sig);
        stopRequested();
      },
      reload: () => void daemon.reload(),
      alarm: () => daemon.alarm(),
      status: () => daemon.status(),
    },
    chimeLog.log,
  );
  dropEarlyHandlers();
  if (stopBeforeStart()) {
    chimeLog.log.info("stopped before start");
    await chimeLog.flush(FLUSH_TIMEOUT_MS);
    return 0;
  }
  daemon.start(jobs);
  await Promise.race([stopSignal, daemon.done]);
  let code = 0;
  if (!stopped) {
    chimeLog.log.error("no job has a next run; nothing left to do");
    code = EXIT_USAGE;
  }
  const clean = (await stopped) ?? true;
  const drained = await chimeLog.flush(FLUSH_TIMEOUT_MS);
  // A job that ignored its abort may still hold a handle, and a stalled log reader (multilog
  // paused on a full disk) keeps our pending stdout writes alive for ever: we have waited the
  // grace and the flush timeout, now go — supervise asked us to stop, and a jail kills at 10 s.
  // Every exit path exits: whatever still holds the event loop once we are done (a job that
  // ignored its abort, a stalled reader) must not keep a stopped service alive.
  setTimeout(() => process.exit(code), clean && drained ? 1000 : 100).unref();
  return code;
}

/** --service without --when or --config: never fall back to running the job once (exit 100). */
function noSchedule(env: Environment): string {
  const why = env["CHIME_WHEN"] === "" ? "CHIME_WHEN (environment) is empty" : "CHIME_WHEN (environment) is not set";
  return `--service but no schedule: ${why} (envdir unsets the variable of an empty env/CHIME_WHEN file) and neither --when nor --config is given; nothing was run`;
}

function zoneOf(env: Environment): Zone {
  try {
    return localZone(env, env["TZ"]); // env is this process's own (bin/chime.ts)
  } catch (e) {
    throw new ConfigError(badValue("TZ (environment)", e instanceof Error ? e.message : String(e), env["TZ"] ?? ""));
  }
}
