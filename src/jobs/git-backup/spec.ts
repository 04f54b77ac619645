import type { Job, JobSpec } from "../job.js";
import { optionsHelp } from "../../options/option-spec.js";
import { SWITCH_WORDS } from "../switch-option.js";
import { DIR_ENV, OPTIONS, parseOptions } from "./options.js";
import { runBackup } from "./run-backup.js";

// Built when asked for (--help, the docs), not at every start: the options table is a few ms of
// string work that a run does not need.
const help = (): string => `usage: chime git-backup DIR [options]

Updates every bare mirror DIR/*.git from its remote, keeping every commit it ever had:
refs a fetch rewrites, moves or deletes are saved under refs/backup/<stamp>/.

${optionsHelp(OPTIONS)}
Every option can also be set by the variable shown (e.g. CHIME_GIT_BACKUP_CONCURRENCY=8,
CHIME_GIT_BACKUP_EXCLUDE="a*,b*"); DIR as ${DIR_ENV}. Flags win. A switch (a flag
without a value) takes ${SWITCH_WORDS}, as --flag=no or in its variable;
anything else is an error.
Exit: 0 all ok, 1 some failed, 2 all failed or DIR unusable, 100 bad usage.

What was saved: chime git-backup history DIR [REPO] [--json]; restore DIR REPO REF --to PATH
(or --push URL); verify DIR (a Nagios check). Details: chime git-backup history --help.
`;

export const gitBackupSpec: JobSpec = {
  name: "git-backup",
  usage: "git-backup DIR [options]",
  get help() {
    return help();
  },
  options: OPTIONS,
  create(args, env): Job {
    const options = parseOptions(args, env);
    return {
      name: "git-backup",
      run: (ctx) => runBackup(options, env, ctx),
    };
  },
};
