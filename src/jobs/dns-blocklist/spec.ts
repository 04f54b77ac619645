import type { Job, JobSpec } from "../job.js";
import { optionsHelp } from "../../options/options-help.js";
import { OPTIONS, readSettings } from "./options.js";
import { runBlocklist } from "./run-blocklist.js";

const USAGE = "dns-blocklist [options] SOURCE…";

const HELP = `usage: chime ${USAGE}
       chime dns-blocklist --include FILE --rollback [N]

Keeps an unbound blocklist fresh: downloads (conditionally) or reads every SOURCE (an http(s)
URL or a file), keeps the last good copy of each, parses the usual list formats, removes the
--allow names, refuses a result the guards reject, writes the unbound include, checks the
whole configuration with unbound-checkconf, renames it into place and has unbound take it
(reload_keep_cache), putting the previous file back if unbound refuses. Keeps the last
--keep versions; --rollback [N] re-applies version N (default: the one before).
Prints a Nagios plugin status line; exit 0 OK, 1 WARNING (a source failed: its last good
copy was used), 2 CRITICAL (refused, or not applied: the current blocklist stays),
100 bad usage.

options (each also read from the environment variable shown):
${optionsHelp(OPTIONS)}
Details, formats and an unbound snippet: docs/dns-blocklist.md.
`;

export const dnsBlocklistSpec: JobSpec = {
  name: "dns-blocklist",
  usage: USAGE,
  help: HELP,
  options: OPTIONS,
  pluginOutput: true,
  create(args, env): Job {
    const settings = readSettings(args, env);
    return { name: "dns-blocklist", run: (ctx) => runBlocklist(settings, ctx) };
  },
};
