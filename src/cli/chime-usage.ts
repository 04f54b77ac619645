import { optionsHelp } from "../options/option-spec.js";
import { OPTIONS } from "./chime-options.js";

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
  chime asn ADDRESS|NAME|ASN…                         origin AS, prefix, country, AS name
                                                      (chime asn --help; stdin for bulk)
  chime --version                                     print the version (also -V)

JOB: git-backup DIR [options] | ntp-check [options] SERVER… | exec -- COMMAND [ARG…]
     | asn-db --url URL --out FILE
     (chime JOB --help for a job's own options)

options (each also read from the environment variable shown, e.g. through envdir):
${optionsHelp(OPTIONS)}DURATION: 90, 90s, 5m, 1h, 1d, 500ms. SIZE: 65536, 256K, 4M, 1G. A switch flag also takes
--flag=no; switch variables take yes/no, 1/0, true/false or on/off; anything else is an error.

signals (service): TERM/INT stop (abort jobs, grace, kill, exit 0); HUP reload --config;
  ALRM run now; USR1 log a status line.
exit codes: once: 0 ok, 1 warning, 2 critical, 3 unknown; service: 0 after TERM/INT;
  100 bad usage or configuration; 111 system failure.
`;
