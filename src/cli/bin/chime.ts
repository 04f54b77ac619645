#!/usr/bin/env node
import { ConfigError, loadSpec } from "../../daemon/build-job.js";
import { parseChimeOptions } from "../chime-options.js";
import { CHIME_USAGE } from "../chime-usage.js";
import { die, EXIT_USAGE, runMain } from "../die.js";

const out = (line: string) => void process.stdout.write(line + "\n");

// Each command is loaded when it is asked for: a service stays resident for months, and what
// it never runs (install-service, status, next, a job run once) must not sit in its memory.
// In the CJS bundle a dynamic import becomes a lazily initialised module (docs/operations.md
// has what each part costs).
void runMain("chime", async () => {
  const argv = process.argv.slice(2);
  const env = process.env;
  try {
    const [cmd, ...rest] = argv;
    if (cmd === "next") return await (await import("../next.js")).runNext(rest, env, out);
    if (cmd === "install-service") return await (await import("../install-service.js")).runInstallService(rest);
    if (cmd === "status") return await (await import("../chime-status.js")).runStatus(rest, env, out);
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
    if (opts.when || opts.config) return await (await import("../chime-service.js")).runService(opts, env);
    if (opts.rest.length === 0) {
      process.stderr.write(CHIME_USAGE);
      return EXIT_USAGE;
    }
    return await (await import("../chime-once.js")).runOnceCommand(opts, env, out);
  } catch (e) {
    if (e instanceof ConfigError) die(EXIT_USAGE, e.message);
    throw e;
  }
});
