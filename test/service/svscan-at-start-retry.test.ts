/**
 * Issue 12 §1 and §2 under a real svscan: --at-start runs the job when supervise starts
 * chime (and at each restart), and a retry interrupted by `svc -d` — in its wait or in its
 * attempt — ends chime within the grace, leaves no process behind and makes no further
 * attempt. ps and the log decide.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { processesRunning } from "../helpers/processes.js";
import { SvscanRig, isAlive, svc, svstat, tearDown, underSvscan, waitFor } from "./svscan-rig.js";

const builtChime = resolve("dist/bin/chime.cjs");

let base: string;
let rig: SvscanRig | undefined;
const seenPids = new Set<number>();

/** a service directory written aside and moved in whole (svscan may scan at any moment) */
async function service(name: string, chimeArgs: string): Promise<{ dir: string; log: () => string }> {
  const stage = join(base, `stage-${name}`);
  const dir = join(base, "sv", name);
  mkdirSync(join(stage, "log"), { recursive: true });
  writeFileSync(
    join(stage, "run"),
    `#!/bin/sh\nexec 2>&1\nexec ${process.execPath} ${builtChime} --service --allow-root --state-dir ./state --grace 2s ${chimeArgs}\n`,
    { mode: 0o755 },
  );
  writeFileSync(join(stage, "log", "run"), "#!/bin/sh\nexec multilog t ./main\n", { mode: 0o755 });
  renameSync(stage, dir);
  await rig!.watch(name, 15_000);
  const log = () => {
    try {
      return readFileSync(join(dir, "log", "main", "current"), "utf8");
    } catch {
      return "";
    }
  };
  return { dir, log };
}

const count = (text: string, re: RegExp) => [...text.matchAll(re)].length;

underSvscan.describe("--at-start and --retry under a real svscan", () => {
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), "chime-svscan-atstart-"));
    mkdirSync(join(base, "sv"));
    rig = new SvscanRig(join(base, "sv"), join(base, "svscan.out"));
    rig.start({ PATH: "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin" });
  });

  afterAll(async () => {
    const { left, alive } = await tearDown(rig, seenPids, base);
    expect(left).toEqual([]);
    expect(alive).toEqual([]);
  });

  it("--at-start: a yearly job runs as soon as supervise starts chime, and again after svc -t", async () => {
    // 1 January 00:00 only: no slot comes near this test, every run is an at-start run
    const { dir, log } = await service("atstart", `--at-start --when "0 0 1 1 *" exec -- echo at-start-ran`);
    // the plan is logged after the run's record is saved: wait for it, not for the run's last line
    await waitFor("the at-start run and the plan after it", 20_000, () => / run ok: [\s\S]* next run: /.test(log()));
    seenPids.add(svstat(dir).pid ?? 0);
    let text = log();
    expect(text).toMatch(/run start reason=at-start/);
    expect(text).toMatch(/at-start-ran/);
    expect(text).toMatch(/next run: exec -- echo at-start-ran at=\d{4}-01-01T00:00:00/);
    svc("-t", dir);
    await waitFor("a second at-start run after the restart", 20_000, () => count(log(), / run ok: /g) === 2 || undefined);
    text = log();
    expect(count(text, /run start reason=at-start/g)).toBe(2);
    expect(text).not.toMatch(/reason=catch-up/);
    svc("-d", dir);
    await waitFor("chime down", 10_000, () => !svstat(dir).up);
  }, 60_000);

  it("svc -d while a retry waits: chime exits at once, no second attempt", async () => {
    const { dir, log } = await service("retrywait", `--retry 3 --retry-delay 5m --when "0 0 1 1 *" --at-start exec -- sh -c "exit 2"`);
    await waitFor("the retry announced", 20_000, () => / run critical; retrying attempt=2 of=4 /.test(log()));
    const pid = svstat(dir).pid!;
    seenPids.add(pid);
    svc("-d", dir);
    // the grace is 2 s: a retry wait (2.5 to 5 minutes) must not hold chime
    await waitFor("chime down within the grace", 4_000, () => !svstat(dir).up && !isAlive(pid));
    await waitFor("the stop in the log", 5_000, () => / stopped$/m.test(log()));
    const text = log();
    expect(text).toMatch(/no more retries: the job is stopping/);
    expect(count(text, / run start /g)).toBe(1);
    expect(text).not.toMatch(/run start .*attempt=2/);
  }, 60_000);

  it("svc -d during a retry attempt: the attempt's process is ended within the grace, no orphan, no third attempt", async () => {
    const mark = join(base, "failed-once");
    const sleeps = () => processesRunning("sleep 120");
    // the first attempt fails; the second sleeps until it is stopped
    const { dir, log } = await service(
      "retryrun",
      `--retry 3 --retry-delay 1s --when "0 0 1 1 *" --at-start exec -- sh -c "if [ -e ${mark} ]; then exec sleep 120; else touch ${mark}; exit 2; fi"`,
    );
    const chimePid = await waitFor("chime up", 10_000, () => svstat(dir).pid ?? undefined);
    seenPids.add(chimePid);
    const attempt2 = await waitFor("the second attempt's sleep", 20_000, () => sleeps().find((p) => p.ppid === chimePid));
    seenPids.add(attempt2.pid);
    expect(existsSync(mark)).toBe(true);
    expect(log()).toMatch(/ run start reason=at-start attempt=2/);
    svc("-d", dir);
    // grace 2 s, plus chime's settle margin and exit
    await waitFor("chime down", 8_000, () => !svstat(dir).up && !isAlive(chimePid));
    await waitFor("the attempt's sleep gone", 5_000, () => !isAlive(attempt2.pid));
    expect(sleeps().filter((p) => p.pid === attempt2.pid || p.ppid === chimePid)).toEqual([]);
    await waitFor("the stop in the log", 5_000, () => / stopped$/m.test(log()));
    const text = log();
    expect(count(text, / run start /g)).toBe(2);
    expect(text).not.toMatch(/attempt=3/);
    expect(text).toMatch(/no more retries: the job is stopping/);
  }, 60_000);
});
