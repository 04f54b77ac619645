#!/usr/bin/env node
import { ConfigError, loadSpec } from "../../daemon/build-job.js";
import { reportProcessTrouble, stampEveryLine } from "../../log/stamped-stderr.js";
import { parseChimeOptions, stampsStderr } from "../chime-options.js";
import { CHIME_USAGE } from "../chime-usage.js";
import { die, EXIT_SYSTEM, EXIT_USAGE, runMain } from "../die.js";
import { CHIME_VERSION } from "../version.js";

const out = (line: string) => void process.stdout.write(line + "\n");

const argv = process.argv.slice(2);
const env = process.env;
// first of all: from here on nothing chime says on stderr reaches a log without its label
const stderr = stampsStderr(argv, env) ? stampEveryLine() : { raw: (text: string) => void process.stderr.write(text) };
reportProcessTrouble("chime", EXIT_SYSTEM);

// Each command is loaded when it is asked for: a service stays resident for months, and what
// it never runs (install-service, status, next, a job run once) must not sit in its memory.
// In the CJS bundle a dynamic import becomes a lazily initialised module (docs/operations.md
// has what each part costs).
void runMain("chime", async () => {
  try {
    const [cmd, ...rest] = argv;
    if ((cmd === "--version" || cmd === "-V") && rest.length === 0) {
      out(`chime ${CHIME_VERSION}`);
      return 0;
    }
    if (cmd === "next") return await (await import("../next.js")).runNext(rest, env, out);
    if (cmd === "install-service") return await (await import("../install-service.js")).runInstallService(rest, env);
    if (cmd === "status") return await (await import("../chime-status.js")).runStatus(rest, env, out);
    if (cmd === "asn") return await (await import("../asn.js")).runAsn(rest, env, out);
    if (cmd === "check") return await (await import("../chime-check.js")).runCheck(rest, out);
    if (cmd === "git-backup" && (await import("../git-backup-tools.js")).isGitBackupTool(rest)) {
      return await (await import("../git-backup-tools.js")).runGitBackupTool(rest, env, out);
    }
    if (cmd === "help") {
      out(CHIME_USAGE.trimEnd());
      return 0;
    }
    const opts = parseChimeOptions(argv, env);
    if (opts.help && opts.rest.length === 0) {
      out(CHIME_USAGE.trimEnd());
      return 0;
    }
    const [jobName, firstArg] = opts.rest;
    if (jobName !== undefined && (opts.help || firstArg === "--help" || firstArg === "-h")) {
      out((await loadSpec(jobName, "JOB (argument)")).help.trimEnd());
      return 0;
    }
    if (opts.rest[0] === "status") {
      return await (await import("../chime-status.js")).runStatus(["--state-dir", opts.stateDir.value, ...opts.rest.slice(1)], env, out);
    }
    if (opts.service || opts.when || opts.config) return await (await import("../chime-service.js")).runService(opts, env);
    if (opts.rest.length === 0) {
      stderr.raw(`chime: ${CHIME_USAGE}`);
      return EXIT_USAGE;
    }
    return await (await import("../chime-once.js")).runOnceCommand(opts, env, out);
  } catch (e) {
    if (e instanceof ConfigError) die(EXIT_USAGE, e.message);
    throw e;
  }
});
