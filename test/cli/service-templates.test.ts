import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseChimeOptions } from "../../src/cli/chime-options.js";
import { splayTooLong } from "../../src/daemon/next-wake.js";
import { parseSchedule } from "../../src/schedule/schedule.js";
import { tz } from "../zones.js";

const allTemplates = readdirSync("service").sort();
/** the one-job templates; service/config runs the jobs of a --config file instead */
const templates = allTemplates.filter((t) => t !== "config");

/** What envdir would set from a directory: each file's first line, trailing blanks cut. */
function envdir(dir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const f of readdirSync(dir)) {
    if (!f.startsWith(".")) env[f] = (readFileSync(join(dir, f), "utf8").split("\n")[0] ?? "").replace(/[ \t]+$/, "");
  }
  return env;
}

describe("the service templates", () => {
  it("are the four jobs' services, each with run and env/, and the config-file service", () => {
    expect(allTemplates).toEqual(["asn-db", "config", "dns-blocklist", "exec-example", "git-backup", "ntp-check"]);
    for (const t of templates) {
      expect(statSync(join("service", t, "run")).mode & 0o755).toBe(0o755);
      expect(statSync(join("service", t, "env")).isDirectory()).toBe(true);
    }
    expect(statSync(join("log", "run")).mode & 0o755).toBe(0o755);
  });

  it.each(templates)("%s/env/ holds only CHIME_* settings that chime accepts, with a valid schedule", (t) => {
    const env = envdir(join("service", t, "env"));
    expect(Object.keys(env).every((k) => k.startsWith("CHIME_"))).toBe(true);
    expect(() => parseSchedule(env["CHIME_WHEN"] ?? "")).not.toThrow();
    expect(env["CHIME_WHEN"]).not.toBe("");
    const opts = parseChimeOptions([], env);
    expect(opts.when?.source).toBe("CHIME_WHEN (environment)");
    if (env["CHIME_TIMEOUT"]) expect(opts.timeoutMs?.source).toBe("CHIME_TIMEOUT (environment)");
    if (env["CHIME_SPLAY"]) expect(opts.splayMs.source).toBe("CHIME_SPLAY (environment)");
  });

  // The splay is a fixed delay per host and job, so every run shifts by the same amount;
  // what keeps runs from piling up is a timeout shorter than the period.
  it("git-backup's timeout ends a run before the next hourly slot, so runs never pile up", () => {
    const opts = parseChimeOptions([], envdir(join("service", "git-backup", "env")));
    const when = parseSchedule(opts.when!.value);
    const t0 = { seconds: 1_800_000_000, nanos: 0 };
    const first = when.next(t0, tz("UTC"));
    const second = when.next({ seconds: first.seconds + 1, nanos: 0 }, tz("UTC"));
    expect(opts.timeoutMs!.value).toBeLessThan((second.seconds - first.seconds) * 1000);
    expect(opts.splayMs.value).toBeLessThan((second.seconds - first.seconds) * 1000);
  });

  it.each(templates)("%s: its splay is shorter than its schedule's shortest interval (chime refuses it otherwise)", (t) => {
    const opts = parseChimeOptions([], envdir(join("service", t, "env")));
    const when = parseSchedule(opts.when!.value);
    expect(splayTooLong(when, opts.splayMs.value, tz("UTC"), { seconds: 1_800_000_000, nanos: 0 })).toBeUndefined();
  });

  // log/run for daemontools, log/run-runit and log/run-s6 for install-service --supervisor runit|s6
  it.each([...allTemplates.map((t) => join("service", t, "run")), join("log", "run"), join("log", "run-runit"), join("log", "run-s6")])(
    "%s is a /bin/sh script that sends stderr to the log and execs",
    (path) => {
      const text = readFileSync(path, "utf8");
      expect(text.startsWith("#!/bin/sh\n")).toBe(true);
      execFileSync("sh", ["-n", path]);
      const commands = text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
      if (!path.startsWith("log")) expect(commands[0]).toBe("exec 2>&1");
      expect(commands.at(-1)).toMatch(/^exec /);
      // a service by its own word, never only by env/CHIME_WHEN (envdir unsets an empty one)
      if (!path.startsWith("log")) expect(commands.at(-1)).toMatch(/ \{\{CHIME\}\} --service( |$)/);
    },
  );
});
