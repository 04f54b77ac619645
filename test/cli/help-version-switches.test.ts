import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseChimeOptions } from "../../src/cli/chime-options.js";
import { Fatal } from "../../src/cli/die.js";
import { parseOptions as parseGitBackupOptions } from "../../src/jobs/git-backup/options.js";
import { parseNtpCheckArgs } from "../../src/jobs/ntp-check/check-options.js";
import { parseSwitch, SWITCH_WORDS } from "../../src/jobs/switch-option.js";
import { runBin } from "./run-bin.js";
import { ChimeProcess, tempDir } from "./chime-spawn.js";

/* Issue 9 §9: every program answers --help; every message starts with PROG; chime --version;
 * one switch vocabulary, and anything else an error naming the variable. */

const PACKAGE_VERSION = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;

describe("--help on every program: usage on stdout, exit 0", () => {
  const rw = ["rw-add", "rw-sub", "rw-min", "rw-max", "rw-match", "rw-sleep"];
  it.each(rw)("%s --help", (prog) => {
    const r = runBin(prog, ["--help"]);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
    expect(r.stdout.split("\n")[0]).toMatch(new RegExp(`^usage: ${prog} stamp`));
  });

  it("rw-sleep -h: usage, not 'malformed timestamp'", () => {
    const r = runBin("rw-sleep", ["-h"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: rw-sleep stamp\|- \[program arg\.\.\.\]/);
  });

  it.each([
    [["--help"], /^usage:\n {2}chime /],
    [["help"], /^usage:\n {2}chime /],
    [["status", "--help"], /^usage: chime status /],
    [["next", "--help"], /^usage: chime next /],
    [["install-service", "--help"], /^usage: chime install-service /],
    [["exec", "--help"], /^usage: chime \[DAEMON OPTIONS\] exec /],
    [["git-backup", "--help"], /^usage: chime git-backup /],
    [["ntp-check", "--help"], /^usage: chime ntp-check /],
  ])("chime %j", (args, re) => {
    const r = runBin("chime", args);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
    expect(r.stdout).toMatch(re);
  });
});

describe("chime --version", () => {
  it.each([["--version"], ["-V"]])("%s prints the version of package.json", (flag) => {
    const r = runBin("chime", [flag]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`chime ${PACKAGE_VERSION}\n`);
  });

  it("the service's start-up line carries the version", async () => {
    const tmp = await tempDir("chime-version-");
    const p = new ChimeProcess(["--allow-root", "--state-dir", `${tmp.dir}/state`, "--when", ",M=0", "exec", "--", "true"], {
      cwd: tmp.dir,
    });
    try {
      const line = await p.waitFor(/ info chime starting /, 60_000);
      expect(line).toContain(` version=${PACKAGE_VERSION} `);
    } finally {
      await p.kill();
      await tmp.cleanup();
    }
  });

  it("the bundle carries the version itself: it runs from a copy without package.json", () => {
    const bundle = readFileSync("dist/bin/chime.cjs", "utf8");
    expect(bundle).toContain(JSON.stringify(PACKAGE_VERSION));
    expect(bundle).not.toMatch(/__CHIME_VERSION__/);
  });
});

describe("one switch vocabulary (the one --help states)", () => {
  it("yes/no, 1/0, true/false, on/off in any case; nothing else", () => {
    for (const w of ["yes", "1", "true", "on", "YES", " On "]) expect(parseSwitch(w)).toBe(true);
    for (const w of ["no", "0", "false", "off", "No", "OFF"]) expect(parseSwitch(w)).toBe(false);
    for (const w of ["", "y", "n", "2", "enable", "offf", "maybe"]) expect(parseSwitch(w)).toBeNull();
  });

  it("CHIME_NTP_VERBOSE=off is off (it used to turn verbose on); =on is on", () => {
    expect(parseNtpCheckArgs(["192.0.2.1"], { CHIME_NTP_VERBOSE: "off" }).verbose).toBe(false);
    expect(parseNtpCheckArgs(["192.0.2.1"], { CHIME_NTP_VERBOSE: "on" }).verbose).toBe(true);
    expect(parseNtpCheckArgs(["192.0.2.1"], { CHIME_NTP_VERBOSE: "no" }).verbose).toBe(false);
  });

  it("anything else is an error naming the variable, in every program that reads a switch", () => {
    expect(() => parseNtpCheckArgs(["192.0.2.1"], { CHIME_NTP_VERBOSE: "maybe" })).toThrow(
      /CHIME_NTP_VERBOSE \(environment\): not a switch \(yes\/no, 1\/0, true\/false or on\/off\): "maybe"/,
    );
    expect(() => parseGitBackupOptions(["/tmp"], { CHIME_GIT_BACKUP_INCLUDE_FORKS: "maybe" })).toThrow(
      /CHIME_GIT_BACKUP_INCLUDE_FORKS \(environment\): not a switch \(yes\/no, 1\/0, true\/false or on\/off\): "maybe"/,
    );
    expect(parseGitBackupOptions(["/tmp"], { CHIME_GIT_BACKUP_INCLUDE_FORKS: "off" }).includeForks).toBe(false);
    expect(parseGitBackupOptions(["/tmp"], { CHIME_GIT_BACKUP_INCLUDE_FORKS: "on" }).includeForks).toBe(true);
    let err: unknown;
    try {
      parseChimeOptions(["exec", "--", "true"], { CHIME_NO_CATCH_UP: "maybe" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Fatal);
    expect((err as Fatal).message).toContain(`CHIME_NO_CATCH_UP`);
    expect((err as Fatal).message).toContain(SWITCH_WORDS);
    expect(parseChimeOptions(["exec", "--", "true"], { CHIME_NO_CATCH_UP: "on" }).catchUp.value).toBe(false);
  });

  it("the help texts state that vocabulary", () => {
    expect(runBin("chime", ["--help"]).stdout).toContain("yes/no, 1/0, true/false or on/off");
    expect(runBin("chime", ["ntp-check", "--help"]).stdout).toContain("yes/no, 1/0, true/false or");
    expect(runBin("chime", ["git-backup", "--help"]).stdout).toContain("yes/no, 1/0, true/false or on/off");
  });

  it("as a process: the bad variable's name on stderr after 'chime:', exit 100", () => {
    const r = runBin("chime", ["ntp-check", "192.0.2.1"], { CHIME_NTP_VERBOSE: "maybe" });
    expect(r.status).toBe(100);
    // run as a job, chime stamps its stderr (a job run from cron or a run script logs through it)
    expect(r.stderr).toMatch(
      /^@[0-9a-f]{24} chime: ntp-check: CHIME_NTP_VERBOSE \(environment\): not a switch \(yes\/no, 1\/0, true\/false or on\/off\): "maybe"$/m,
    );
  });
});
