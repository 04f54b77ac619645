import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isRoot, runChime, tempDir } from "./chime-spawn.js";
import { unstamped } from "./stamped-lines.js";

/**
 * Configuration errors at start (issue: "exit 100, one line naming the bad setting and where it
 * came from"), through the real dist/bin/chime.cjs. stdout stays empty: under supervise the
 * error goes to stderr, which the run script's `exec 2>&1` sends to the log.
 */
let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir("chime-cfgerr-");
});
afterAll(async () => {
  await tmp.cleanup();
});

const svc = ["--allow-root", "--state-dir"];

const cases: Array<[string, string[], Record<string, string>, RegExp]> = [
  ["bad --when (flag)", ["--when", ",H=24", "exec", "--", "true"], {}, /^chime: --when: .+: ",H=24"$/],
  ["bad CHIME_WHEN (environment)", ["exec", "--", "true"], { CHIME_WHEN: ",Q=1" }, /^chime: CHIME_WHEN \(environment\): .+: ",Q=1"$/],
  ["bad cron in --when", ["--when", "* * *", "exec", "--", "true"], {}, /^chime: --when: .+: "\* \* \*"$/],
  // February never has a 31st; 2020 is over: both parse, neither will ever match again
  [
    "--when that never matches",
    ["--when", "0 0 31 2 *", "exec", "--", "true"],
    {},
    /^chime: --when: nothing matches within 400 years: "0 0 31 2 \*"$/,
  ],
  [
    "CHIME_WHEN only in the past",
    ["exec", "--", "true"],
    { CHIME_WHEN: ",y=2020" },
    /^chime: CHIME_WHEN \(environment\): nothing matches within 400 years: ",y=2020"$/,
  ],
  [
    "bad --timeout",
    ["--timeout", "5x", "--when", ",M=0", "exec", "--", "true"],
    {},
    /^chime: --timeout: not a duration like 90s, 5m, 1h \(a bare number is seconds\): "5x"$/,
  ],
  [
    "bad CHIME_SPLAY",
    ["--when", ",M=0", "exec", "--", "true"],
    { CHIME_SPLAY: "-3" },
    /^chime: CHIME_SPLAY \(environment\): not a duration .+: "-3"$/,
  ],
  ["bad CHIME_GRACE", ["exec", "--", "true"], { CHIME_GRACE: "long" }, /^chime: CHIME_GRACE \(environment\): not a duration .+: "long"$/],
  ["bad --log-format", ["--log-format", "xml", "exec", "--", "true"], {}, /^chime: --log-format: not one of text, json: "xml"$/],
  [
    "bad CHIME_LOG_STAMP",
    ["exec", "--", "true"],
    { CHIME_LOG_STAMP: "iso" },
    /^chime: CHIME_LOG_STAMP \(environment\): not one of tai64n, none: "iso"$/,
  ],
  [
    "bad CHIME_NO_CATCH_UP",
    ["--when", ",M=0", "exec", "--", "true"],
    { CHIME_NO_CATCH_UP: "maybe" },
    /^chime: CHIME_NO_CATCH_UP \(environment\): not a switch \(yes\/no, 1\/0, true\/false or on\/off\): "maybe"$/,
  ],
  ["bad --log-buffer", ["--log-buffer", "12", "exec", "--", "true"], {}, /^chime: --log-buffer: must be from 4K to 1G: "12"$/],
  ["unknown option", ["--wehn", ",M=0", "exec", "--", "true"], {}, /^chime: --wehn: unknown option \(see chime --help\)$/],
  ["option without value", ["--when"], {}, /^chime: --when: needs a value \(see chime --help\)$/],
  [
    "unknown job",
    ["--when", ",M=0", "backup", "x"],
    {},
    /^chime: JOB \(argument\): unknown job \(jobs: git-backup, ntp-check, exec, dns-blocklist, asn-db\): "backup"$/,
  ],
  ["missing JOB", ["--when", ",M=0"], {}, /^chime: missing JOB after --when;/],
  ["job argument error", ["--when", ",M=0", "exec"], {}, /^chime: exec: missing COMMAND/],
  ["bad --name", ["--name", "a/b", "--when", ",M=0", "exec", "--", "true"], {}, /^chime: --name: .+: "a\/b"$/],
  ["bad TZ", ["--when", ",M=0", "exec", "--", "true"], { TZ: "Mars/Olympus" }, /^chime: TZ \(environment\): .+: "Mars\/Olympus"$/],
  [
    "no such --user",
    ["--user", "chime-no-such-user-x", "--when", ",M=0", "exec", "--", "true"],
    {},
    /^chime: --user: no such user: "chime-no-such-user-x"$/,
  ],
  ["--config and JOB", ["--config", "x.json", "exec", "--", "true"], {}, /^chime: give either --config or a JOB \(exec\), not both/],
  [
    "missing config file",
    ["--config", "/nonexistent/chime.json"],
    {},
    /^chime: unable to read config file \/nonexistent\/chime\.json: ENOENT/,
  ],
];

describe("chime: configuration errors at start exit 100 with one line naming setting and source", () => {
  for (const [what, args, env, message] of cases) {
    it(what, () => {
      const before = Date.now();
      const r = runChime([...svc, join(tmp.dir, "state"), ...args], { env });
      expect(r.status).toBe(100);
      expect(r.stdout).toBe("");
      const lines = unstamped(r.stderr, before, Date.now());
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
    });
  }

  it("a config file mistake names the file and the field", async () => {
    const path = join(tmp.dir, "jobs.json");
    await writeFile(path, JSON.stringify({ jobs: [{ job: "exec", args: ["--", "true"], when: ",M=0", timout: "5m" }] }));
    const r = runChime([...svc, join(tmp.dir, "state"), "--config", path]);
    expect(r.status).toBe(100);
    expect(unstamped(r.stderr)).toEqual([
      `chime: config file ${path} line 1 (jobs[0].timout): unknown field (expected name, job, args, when, timeout, splay, atStart, retry, retryDelay, zone, onFailure, onRecovery, onFailureEvery, ping)`,
    ]);
  });

  it("a config file job whose schedule never matches is refused at start, naming the field", async () => {
    const path = join(tmp.dir, "never.json");
    const jobs = [
      { job: "exec", args: ["--", "true"], when: ",M=0" },
      { name: "leap", job: "exec", args: ["--", "true"], when: "0 0 30 2 *" },
    ];
    await writeFile(path, JSON.stringify({ jobs }));
    const r = runChime([...svc, join(tmp.dir, "state"), "--config", path]);
    expect(r.status).toBe(100);
    expect(r.stdout).toBe("");
    expect(unstamped(r.stderr)).toEqual([
      `chime: config file ${path} line 1 (jobs[1].when): nothing matches within 400 years: "0 0 30 2 *"`,
    ]);
  });

  it("a service refuses to run jobs as root without --allow-root or --user", () => {
    const r = runChime(["--state-dir", join(tmp.dir, "state"), "--when", ",M=0", "exec", "--", "true"]);
    if (isRoot) {
      expect(r.status).toBe(100);
      expect(unstamped(r.stderr)[0]).toMatch(
        /^chime: refusing to run jobs as root as a service: use --user NAME \(CHIME_USER\), setuidgid in the run script, or --allow-root/,
      );
    } else {
      // not root: the check does not apply; the service would start, so a bad schedule shows we got past it
      const bad = runChime(["--state-dir", join(tmp.dir, "state"), "--when", ",H=99", "exec", "--", "true"]);
      expect(bad.stderr).toMatch(/--when \(flag\)/);
    }
  });
});

describe("chime --help", () => {
  it("prints the usage with every option and its environment variable, exit 0", () => {
    const r = runChime(["--help"]);
    expect(r.status).toBe(0);
    for (const v of [
      "CHIME_WHEN",
      "CHIME_STATE_DIR",
      "CHIME_TIMEOUT",
      "CHIME_SPLAY",
      "CHIME_CONFIG",
      "CHIME_LOG_FORMAT",
      "CHIME_LOG_STAMP",
      "CHIME_GRACE",
      "CHIME_NO_CATCH_UP",
      "CHIME_ALLOW_ROOT",
      "CHIME_USER",
      "CHIME_NAME",
      "CHIME_LOG_BUFFER",
    ]) {
      expect(r.stdout).toContain(v);
    }
  });

  it("a job's own help: chime exec --help, chime --when S exec --help", () => {
    for (const args of [
      ["exec", "--help"],
      ["--help", "exec"],
      ["--when", ",M=0", "exec", "--help"],
    ]) {
      const r = runChime(args);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^usage: chime \[DAEMON OPTIONS\] exec -- COMMAND/);
    }
  });

  it("chime status --help", () => {
    const r = runChime(["status", "--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/usage: chime status \[--state-dir DIR\]/);
  });

  it("no arguments: usage on stderr after the program's name, exit 100", () => {
    const r = runChime([]);
    expect(r.status).toBe(100);
    expect(r.stderr).toMatch(/^chime: usage:/);
  });
});
