import type { Environment, Job, JobResult, JobSpec } from "../job.js";
import { optionsHelp } from "../../options/option-spec.js";
import { SWITCH_WORDS } from "../switch-option.js";
import { OPTIONS, parseNtpCheckArgs, SERVERS_ENV } from "./check-options.js";
import { NtpCheckJob, type NtpCheckResult } from "./ntp-check-job.js";

const USAGE = "ntp-check [options] SERVER…";

const HELP = `usage: chime ${USAGE}

Polls each SERVER (host[:port], [v6addr]:port; a name is every address it resolves to) over
NTP, validates every reply, and judges the set like an expert: valid peers, mean abs offset,
median offset, stratum, falsetickers (interval intersection), LI=3 peers, leap announcements.
Prints a Nagios plugin status line with perfdata; exit 0 OK, 1 WARNING, 2 CRITICAL,
3 UNKNOWN, 100 bad usage.

options (each also read from the environment variable shown):
${optionsHelp(OPTIONS)}SERVERs may also come from ${SERVERS_ENV} (separated by spaces or commas).
DURATION: a number with ms, s, m or h. A switch takes --verbose=no too, and its variable
${SWITCH_WORDS}; anything else is an error.
`;

export const ntpCheckSpec: JobSpec = {
  name: "ntp-check",
  usage: USAGE,
  help: HELP,
  options: OPTIONS,
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
