import type { Environment, Job, JobResult, JobSpec } from "../job.js";
import { parseNtpCheckArgs } from "./check-options.js";
import { optionsHelp } from "../../options/options-help.js";
import { POOL_OPTIONS } from "./pool-options.js";
import { NtpCheckJob, type NtpCheckResult } from "./ntp-check-job.js";

const USAGE = "ntp-check [options] SERVER…";

const HELP = `usage: chime ${USAGE}

Polls each SERVER (host[:port], [v6addr]:port; a name is every address it resolves to) over
NTP, validates every reply, and judges the set like an expert: valid peers, mean abs offset,
median offset, stratum, falsetickers (interval intersection), LI=3 peers, leap announcements.
Prints a Nagios plugin status line with perfdata; exit 0 OK, 1 WARNING, 2 CRITICAL,
3 UNKNOWN, 100 bad usage.

options (each also read from the environment variable shown):
  --samples N             requests per peer per poll (4)                CHIME_NTP_SAMPLES
  --spacing DUR           time between requests to one peer, ≥ 1s (1s)  CHIME_NTP_SPACING
  --timeout DUR           wait for each reply (1s)                       CHIME_NTP_TIMEOUT
  --min-peers N           fewer valid peers is CRITICAL (3)              CHIME_NTP_MIN_PEERS
  --warn DUR              mean abs offset or abs median WARNING (100ms)
                                                                          CHIME_NTP_WARN
  --crit DUR              … CRITICAL (500ms)                             CHIME_NTP_CRIT
  --max-stratum N         a valid peer above it is a WARNING (7)         CHIME_NTP_MAX_STRATUM
  --unsync-polls N        LI=3 this many polls in a row is CRITICAL (2)  CHIME_NTP_UNSYNC_POLLS
  --max-delay DUR         refuse replies with a longer round trip (1s)   CHIME_NTP_MAX_DELAY
  --max-root-distance DUR refuse replies with a larger root distance (1.5s)
                                                                          CHIME_NTP_MAX_ROOT_DISTANCE
  --daemon KIND           also judge the local daemon: openntpd, chrony or none (none)
                                                                          CHIME_NTP_DAEMON
  --ntpctl CMD            how to run ntpctl (ntpctl)                     CHIME_NTP_NTPCTL
  --chronyc CMD           how to run chronyc (chronyc)                   CHIME_NTP_CHRONYC
  --on-critical CMD       run CMD (no shell; words split on spaces) after
                          --critical-after N critical polls in a row (2),
                          at most once per --on-critical-every DUR (1h)  CHIME_NTP_ON_CRITICAL
  --prom-file PATH        write Prometheus metrics there, atomically     CHIME_NTP_PROM_FILE
  -v, --verbose           print the per-peer table after the status line CHIME_NTP_VERBOSE
pool score (each peer that is an NTP pool member, by the pool's public score API):
${optionsHelp(POOL_OPTIONS)}SERVERs may also come from CHIME_NTP_SERVERS (separated by spaces or commas).
DUR: a number with ms, s, m or h. CHIME_NTP_VERBOSE is a switch: yes/no, 1/0, true/false or
on/off; anything else is an error.
`;

export const ntpCheckSpec: JobSpec = {
  name: "ntp-check",
  usage: USAGE,
  help: HELP,
  pluginOutput: true,
  create(args: readonly string[], env: Environment): Job {
    const job = new NtpCheckJob(parseNtpCheckArgs(args, env));
    return {
      name: job.name,
      run: async (ctx) => {
        const result = await job.run(ctx);
        return { ...result, report: formatOnce(result) };
      },
    };
  },
};

/**
 * What `chime ntp-check` prints when run once: the status line, and with --verbose the
 * per-peer table (as Nagios long output: the lines after the first).
 */
export function formatOnce(result: JobResult): string {
  const r = result as Partial<NtpCheckResult>;
  if (r.verbose && r.details && r.details.length > 0) return `${result.summary}\n${r.details.join("\n")}\n`;
  return `${result.summary}\n`;
}
