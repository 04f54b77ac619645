// Every bad input we could think of: one line on stderr naming the program and the input, exit
// 100 (111 for a program that cannot be run), and nothing run. Real processes from dist/bin.
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BIN, runBin } from "./run-bin.js";

// every message starts with the program's name, usage errors too (issue 9 §9)
const ADD_USAGE = "rw-add: usage: rw-add stamp1 stamp2 [VAR program arg...]\n";
const MATCH_USAGE = "rw-match: usage: rw-match stamp constraints [VAR program arg...]\n";
const SLEEP_USAGE = "rw-sleep: usage: rw-sleep stamp|- [program arg...]\n";

function fails(name: string, args: string[], stderr: string | RegExp, env: Record<string, string> = {}, status = 100): void {
  const r = runBin(name, args, env);
  expect({ status: r.status, stdout: r.stdout }).toEqual({ status, stdout: "" });
  if (typeof stderr === "string") expect(r.stderr).toBe(stderr);
  else expect(r.stderr).toMatch(stderr);
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
}

describe("usage errors", () => {
  it.each([
    ["rw-add", [], ADD_USAGE],
    ["rw-add", ["n"], ADD_USAGE],
    ["rw-add", ["n", "d1S", "VAR"], ADD_USAGE], // a variable but no program
    ["rw-sub", ["n"], "rw-sub: usage: rw-sub stamp1 stamp2 [VAR program arg...]\n"],
    ["rw-min", [], "rw-min: usage: rw-min stamp1 stamp2 [VAR program arg...]\n"],
    ["rw-max", ["n", "n", "X"], "rw-max: usage: rw-max stamp1 stamp2 [VAR program arg...]\n"],
    ["rw-match", ["n"], MATCH_USAGE],
    ["rw-match", ["n", ",M=0", "wake"], MATCH_USAGE],
    ["rw-sleep", [], SLEEP_USAGE],
  ])("%s %j", (name, args, stderr) => fails(name, args, stderr));

  it("rejects variable names that cannot be set", () => {
    fails("rw-add", ["n", "d1S", "", "true"], "rw-add: invalid variable name: \n");
    fails("rw-add", ["n", "d1S", "A=B", "true"], "rw-add: invalid variable name: A=B\n");
  });
});

describe("malformed timestamps", () => {
  it.each([
    "",
    "x",
    "N",
    "now",
    "nn",
    "@",
    "@4000000067e89ebd0000000",
    "@4000000067e89ebd000000000",
    "@4000000067e89ebd3b9aca00",
    "@400000006g7e89ebd00000000",
    "4000000067e89ebd00000000",
    "d",
    "d1",
    "d1s",
    "d1Y",
    "d-1S",
    "d+1S",
    "d1.5S",
    "d 1S",
    "t",
    "t-1",
    "t1.5",
    "tx",
    "i",
    "i2025-13-01T00:00:00+0000",
    "i2025-02-30T00:00:00+0000",
    "i2025-01-01T24:00:00+0000",
    "i2025-01-01",
    "inot-a-date",
    "$",
    "$UNSET_CHIME_TEST",
    "$BAD_STAMP",
    "$AT_STAMP",
  ])("rw-add %j d1S", (stamp) => {
    fails("rw-add", [stamp, "d1S"], `rw-add: malformed timestamp: ${stamp}\n`, {
      BAD_STAMP: "nonsense",
      AT_STAMP: "@4000000067e89ebd00000000",
    });
  });

  it("names the bad second argument, and each program", () => {
    fails("rw-sub", ["n", "zz"], "rw-sub: malformed timestamp: zz\n");
    fails("rw-min", ["n", "zz"], "rw-min: malformed timestamp: zz\n");
    fails("rw-max", ["zz", "n"], "rw-max: malformed timestamp: zz\n");
    fails("rw-match", ["zz", ",M=0"], "rw-match: malformed timestamp: zz\n");
    fails("rw-sleep", ["zz"], "rw-sleep: malformed timestamp: zz\n");
    fails("rw-sleep", ["$UNSET_CHIME_TEST", "true"], "rw-sleep: malformed timestamp: $UNSET_CHIME_TEST\n");
  });
});

describe("stamps too large", () => {
  it.each(["d99999999999999999999W", "d18446744073709551616S", "t99999999999999999999"])("rw-add %s n: arithmetic overflow", (stamp) => {
    fails("rw-add", [stamp, "n"], `rw-add: arithmetic overflow: ${stamp}\n`);
  });
});

describe("rw-match constraint errors", () => {
  it.each([
    [",H=24", "rw-match: value out of range for unit: ,H=24"],
    [",S=60", "rw-match: value out of range for unit: ,S=60"],
    [",m=13", "rw-match: value out of range for unit: ,m=13"],
    [",m=0", "rw-match: value out of range for unit: ,m=0"],
    [",d=0", "rw-match: value out of range for unit: ,d=0"],
    [",d/32", "rw-match: value out of range for unit: ,d/32"],
    [",w=7", "rw-match: value out of range for unit: ,w=7"],
    [",H=1,H=2", "rw-match: duplicate constraint for unit: ,H=2"],
    [",y=1999", "rw-match: timestamp out of range"],
  ])("%s", (constraints, message) => fails("rw-match", ["n", constraints], message + "\n", { TZ: "UTC" }));

  it.each([",x=1", ",H", ",H=", ",H=a", ",H*2", "H=1", ",H=1,", ",H=-1", ",,H=1", ",w=1,d=1", "0 * * * *", "@hourly"])(
    "malformed %j names the input",
    (constraints) => {
      const r = runBin("rw-match", ["n", constraints], { TZ: "UTC" });
      expect(r.status).toBe(100);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^rw-match: /);
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(constraints.length > 2 ? constraints.slice(0, 3) : constraints);
    },
  );

  it.each(["d1S", "@7fffffffffffffff00000000", "@ffffffffffffffff00000000", "@000000000000000000000000"])(
    "a start no calendar has (%s): timestamp out of range",
    (stamp) => fails("rw-match", [stamp, ",M=0"], "rw-match: timestamp out of range\n", { TZ: "UTC" }),
  );

  it("an unknown TZ is an error naming it", () => {
    const r = runBin("rw-match", ["n", ",M=0"], { TZ: "Mars/Olympus_Mons" });
    expect(r.status).toBe(100);
    expect(r.stderr).toMatch(/^rw-match: .*Mars\/Olympus_Mons/);
  });
});

describe("errors inside a chain", () => {
  const dir = mkdtempSync(join(tmpdir(), "chime-rw-errors-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const marker = join(dir, "ran");

  it("name the failing link and run nothing", () => {
    fails(
      "rw-add",
      ["n", "d1S", "x", "rw-match", "$x", ",H=24", "w", "rw-sleep", "$w", "touch", marker],
      "rw-match: value out of range for unit: ,H=24\n",
    );
    fails("rw-add", ["n", "d1S", "x", "rw-sub", "$y", "d1S", "w", "touch", marker], "rw-sub: malformed timestamp: $y\n");
    fails("rw-add", ["n", "d1S", "x", "rw-sleep"], SLEEP_USAGE);
    expect(existsSync(marker)).toBe(false);
  });

  it("a program that cannot be found: unable to run, exit 111", () => {
    fails("rw-add", ["n", "d1S", "x", "chime-no-such-program"], /^rw-add: unable to run chime-no-such-program: ENOENT/, {}, 111);
    fails("rw-sleep", ["n", join(dir, "missing")], /^rw-sleep: unable to run .*missing: ENOENT/, {}, 111);
    fails("rw-sleep", ["n", dir], /^rw-sleep: unable to run .*: E/, {}, 111); // a directory
  });
});

describe("print mode that cannot print", () => {
  it("stdout on a full device: unable to write, exit 111", () => {
    const full = openSync("/dev/full", "w");
    try {
      const r = spawnSync(`${BIN}/rw-add.cjs`, ["n", "d1S"], { stdio: ["ignore", full, "pipe"], encoding: "utf8" });
      expect(r.status).toBe(111);
      expect(r.stderr).toBe("rw-add: unable to write to stdout: ENOSPC\n");
    } finally {
      closeSync(full);
    }
  });
});
