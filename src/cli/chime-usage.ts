/** `chime --help`: the command-line contract of DESIGN.md §5, with every option's variable. */
export const CHIME_USAGE = `usage:
  chime [DAEMON OPTIONS] --when SCHEDULE JOB [ARG…]   run JOB at every match, forever
  chime --service [DAEMON OPTIONS] JOB [ARG…]         the same, schedule from CHIME_WHEN
  chime [DAEMON OPTIONS] --config FILE                run the jobs of FILE, each on its schedule
  chime [OPTIONS] JOB [ARG…]                          run JOB once, exit with its status
  chime status [--state-dir DIR]                      last and next run of each job, and results;
                                                      exit 0-3 like chime check
  chime check [--json] SERVICEDIR…                   Nagios/Icinga check of every chime service
                                                      in SERVICEDIR (e.g. /service); exit 0-3
  chime next SCHEDULE [--from STAMP] [--count N]      upcoming wake times
  chime install-service NAME --dir DIR --user USER    write a daemontools service directory
  chime --version                                     print the version (also -V)

JOB: git-backup DIR [options] | ntp-check [options] SERVER… | exec -- COMMAND [ARG…]
     (chime JOB --help for a job's own options)

options (each also read from the environment variable shown, e.g. through envdir):
  --service           (flag only)        this is a service: refuse to start without a
                                         schedule (--when/CHIME_WHEN or --config)
  --when SCHEDULE     CHIME_WHEN         runwhen constraints (",M=0") or a cron expression;
                                         makes chime a service
  --config FILE       CHIME_CONFIG       JSON file with several jobs (docs/chime.md)
  --name NAME         CHIME_NAME         log tag and state file name (default: the job name)
  --state-dir DIR     CHIME_STATE_DIR    where run records live (default ./state)
  --timeout DURATION  CHIME_TIMEOUT      abort a run after DURATION (default: no limit)
  --splay DURATION    CHIME_SPLAY        stable per-host, per-job delay in [0, DURATION);
                                         shorter than the schedule's interval
  --grace DURATION    CHIME_GRACE        on TERM/INT/timeout: wait this long before KILL (5s)
  --no-catch-up       CHIME_NO_CATCH_UP  no catch-up run at start after downtime
  --at-start          CHIME_AT_START     one run when the service starts (the catch-up run,
                                         if one is due); @reboot means the same
  --retry N           CHIME_RETRY        rerun a critical/unknown run up to N times (0)
  --retry-delay DURATION  CHIME_RETRY_DELAY  first wait before a retry (30s), doubled each
                                         time, jittered, at most 1h; the next slot wins
  --max-concurrent N  CHIME_MAX_CONCURRENT  start-up runs (catch-up, at-start) at once
                                         in one service (default: the number of CPUs)
  --allow-root        CHIME_ALLOW_ROOT   let a service run its jobs as root
  --user NAME         CHIME_USER         become NAME (uid, gid, groups) before any job runs
  --metrics-file FILE CHIME_METRICS_FILE  Prometheus textfile with every job's last run,
                                         status, duration, runs by status and next run
  --on-failure CMD    CHIME_ON_FAILURE   run CMD (no shell; words split on spaces) after a run
                                         that ends warning/critical/unknown; job, status and
                                         summary in CHIME_* variables, output tail on stdin
  --on-failure-every DURATION  CHIME_ON_FAILURE_EVERY  --on-failure at most once per DURATION
                                         while a job keeps failing (1h)
  --on-recovery CMD   CHIME_ON_RECOVERY  run CMD after the first ok run that follows a failure
  --ping URL          CHIME_PING         healthchecks.io-style pings: URL/start, URL on ok,
                                         URL/EXIT or URL/fail on failure (output tail as body)
  --log-format text|json    CHIME_LOG_FORMAT   (default text)
  --log-stamp tai64n|none   CHIME_LOG_STAMP    (default tai64n; none for multilog t / svlogd -t)
  --log-buffer SIZE         CHIME_LOG_BUFFER   log bytes held for a slow reader before lines
                                               are dropped and counted (default 1M)
  --help
DURATION: 90, 90s, 5m, 1h, 1d, 500ms. Switch variables take yes/no, 1/0, true/false or on/off; anything else is an error.

signals (service): TERM/INT stop (abort jobs, grace, kill, exit 0); HUP reload --config;
  ALRM run now; USR1 log a status line.
exit codes: once: 0 ok, 1 warning, 2 critical, 3 unknown; service: 0 after TERM/INT;
  100 bad usage or configuration; 111 system failure.
`;
