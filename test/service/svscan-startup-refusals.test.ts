/**
 * Start-up refusals under Debian's real svscan + multilog (issue 9 §2, §3, §5): services
 * written by `chime install-service`, then broken the way an operator breaks them — an empty
 * env/CHIME_WHEN, env/CHIME_ALLOW_ROOT removed, a state directory the user cannot write — and
 * one whose node crashes with a warning and an uncaught exception. supervise restarts each
 * again and again; the job must never run, and every line in log/main/current must carry a
 * label that the real tai64nlocal reads back.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SvscanRig, installationForEveryone, nobody, tearDown, waitFor } from "./svscan-rig.js";

const isRoot = process.getuid?.() === 0;
const LABELLED = /^@4[0-9a-f]{23} /;

let base: string;
let rig: SvscanRig;
let chimeBin: string;
let nodeBin: string;

const rec = (name: string) => join(base, "rec", name);

function install(name: string, user: string): string {
  const r = spawnSync(
    nodeBin,
    [
      chimeBin,
      "install-service",
      name,
      "--dir",
      join(base, "sv"),
      "--user",
      user,
      "--when",
      ",S/1",
      "--",
      "/bin/sh",
      "-c",
      `echo ran >> ${rec(name)}`,
    ],
    { encoding: "utf8" },
  );
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return join(base, "sv", name);
}

function current(dir: string): string {
  const path = join(dir, "log", "main", "current");
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}

/** lines of the log whose text (after the label) matches */
function matching(dir: string, re: RegExp): string[] {
  return current(dir)
    .split("\n")
    .filter((l) => re.test(l.replace(LABELLED, "")));
}

/** every line carries a label, and tai64nlocal turns each one into a local time */
function expectAllStamped(dir: string): number {
  const raw = current(dir);
  const lines = raw.split("\n").filter(Boolean);
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) expect(line, `unstamped line in ${dir}`).toMatch(LABELLED);
  const r = spawnSync("tai64nlocal", [], { input: raw, encoding: "utf8", env: { ...process.env, TZ: "UTC" } });
  expect(r.status).toBe(0);
  const read = r.stdout.split("\n").filter(Boolean);
  expect(read.length).toBe(lines.length);
  const now = Date.now();
  for (const line of read) {
    const m = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9}) /.exec(line);
    expect(m, line).not.toBeNull();
    // the label is the moment the line was written: within this test's lifetime
    const at = Date.parse(m![1]!.replace(" ", "T").slice(0, 23) + "Z");
    expect(at).toBeGreaterThan(now - 10 * 60_000);
    expect(at).toBeLessThanOrEqual(now + 1000);
  }
  return lines.length;
}

let noWhen: string;
let rootless: string;
let noState: string;
let crash: string;

describe.runIf(isRoot)("start-up refusals under a real svscan: stamped, repeated by every restart, the job never run", () => {
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "chime-svscan-refuse-"));
    chmodSync(base, 0o755);
    ({ chime: chimeBin, node: nodeBin } = installationForEveryone(base, nobody));
    mkdirSync(join(base, "sv"));
    mkdirSync(join(base, "rec"));
    chownSync(join(base, "rec"), nobody.uid, nobody.gid);

    noWhen = install("nowhen", "nobody");
    writeFileSync(join(noWhen, "env", "CHIME_WHEN"), ""); // envdir unsets CHIME_WHEN

    rootless = install("rootless", "root");
    unlinkSync(join(rootless, "env", "CHIME_ALLOW_ROOT"));

    noState = install("nostate", "nobody");
    chownSync(join(noState, "state"), 0, 0); // mode 0700: nobody cannot write there

    crash = install("crash", "nobody");
    const preload = join(base, "trouble.cjs");
    writeFileSync(
      preload,
      `setTimeout(() => process.emitWarning("a warning from the preload"), 200);\n` +
        `setTimeout(() => { throw new Error("boom from the preload"); }, 400);\n`,
      { mode: 0o644 },
    );
    const run = readFileSync(join(crash, "run"), "utf8").replace("--max-old-space-size=128 ", `--max-old-space-size=128 -r ${preload} `);
    expect(run).toContain(preload);
    writeFileSync(join(crash, "run"), run);

    rig = new SvscanRig(join(base, "sv"), join(base, "svscan.out"));
    rig.start({ PATH: "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin" });
    for (const name of ["nowhen", "rootless", "nostate", "crash"]) await rig.watch(name);
  });

  afterAll(async () => {
    const { left } = await tearDown(rig, [], base);
    expect(left).toEqual([]);
  });

  it("an empty env/CHIME_WHEN: chime --service refuses (stamped) at every restart and never runs the job", async () => {
    const refusal = /^chime: --service but no schedule: CHIME_WHEN \(environment\) is not set /;
    await waitFor("two refusals (supervise restarted it)", 45_000, () => matching(noWhen, refusal).length >= 2, 200);
    const lines = current(noWhen).split("\n").filter(Boolean);
    // nothing but the refusal, again and again: no start, no run
    for (const line of lines) expect(line.replace(LABELLED, "")).toMatch(refusal);
    expect(existsSync(rec("nowhen"))).toBe(false);
    expectAllStamped(noWhen);
  });

  it("env/CHIME_ALLOW_ROOT removed: the refusal to run as root is stamped at every restart", async () => {
    const refusal = /^chime: refusing to run jobs as root as a service: use --user NAME/;
    await waitFor("two refusals", 45_000, () => matching(rootless, refusal).length >= 2, 200);
    for (const line of current(rootless).split("\n").filter(Boolean)) expect(line.replace(LABELLED, "")).toMatch(refusal);
    expect(existsSync(rec("rootless"))).toBe(false);
    expectAllStamped(rootless);
  });

  it("an unwritable state directory: refused at start (stamped, naming it and EACCES), the job never runs", async () => {
    const dir = join(noState, "state");
    const refusal = /^chime: unable to create, write, fsync and rename a file in the state directory \.\/state: EACCES /;
    await waitFor("two refusals", 45_000, () => matching(noState, refusal).length >= 2, 200);
    for (const line of current(noState).split("\n").filter(Boolean)) expect(line.replace(LABELLED, "")).toMatch(refusal);
    expect(existsSync(rec("nostate"))).toBe(false);
    expect(existsSync(dir)).toBe(true);
    expectAllStamped(noState);
  });

  it("a Node warning and an uncaught exception with its stack trace: every line stamped, PROG: kept", async () => {
    await waitFor(
      "the uncaught exception in the log",
      45_000,
      () => matching(crash, /^chime: unexpected error: Error: boom from the preload$/).length >= 1,
      200,
    );
    expect(matching(crash, /a warning from the preload/).length).toBeGreaterThanOrEqual(1);
    // the stack trace's own lines, each with its label
    expect(matching(crash, /^\s+at /).length).toBeGreaterThanOrEqual(1);
    expectAllStamped(crash);
  });
});
