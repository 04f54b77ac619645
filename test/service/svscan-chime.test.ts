/**
 * chime under Debian's real daemontools: a private svscan on a temp directory, services
 * written by `chime install-service`, driven with svc, logs read with tai64nlocal.
 * The job is `exec -- /bin/sh job.sh DIR`: it records each start (wall clock from date(1),
 * its pid, its uid) so the assertions rest on what other programs saw, not on chime's word.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SvscanRig, underSvscan, installationForEveryone, isAlive, sleep, svc, svstat, tearDown, waitFor } from "./svscan-rig.js";

const builtChime = resolve("dist/bin/chime.cjs");
let chimeBin: string; // the copy every user can read
let nodeBin: string;
const nobodyUid = Number(execFileSync("id", ["-u", "nobody"], { encoding: "utf8" }).trim());
const nobodyGid = Number(execFileSync("id", ["-g", "nobody"], { encoding: "utf8" }).trim());
const PERIOD_MS = 3000; // ,S/3: every unix second divisible by 3 (60 is a multiple of 3)
const GRACE_S = 2;

// One run of the job: records its start, then optionally sleeps (ignoring TERM when told),
// leaving its own and its child's pid behind for the orphan checks.
const JOB_SCRIPT = `#!/bin/sh
d=$1
dur=$(cat "$d/duration" 2>/dev/null || echo 0)
[ -f "$d/ignore-term" ] && trap '' TERM
now=$(date +%s.%N)
echo "start $now $$ $(id -u)" >> "$d/runs"
echo "job-start $now"
sleep "$dur" &
echo "$$ $!" > "$d/pids"
wait
`;

interface Run {
  readonly at: number; // ms since the epoch, from date(1)
  readonly pid: number;
  readonly uid: number;
}

let base: string;
let rig: SvscanRig;
let tick: string; // runs as root (CI runs as root), log as nobody
let tock: string; // runs as nobody
const recTick = (): string => join(base, "rec-tick");
const recTock = (): string => join(base, "rec-tock");
const seenPids = new Set<number>();

function runs(rec: string): Run[] {
  if (!existsSync(join(rec, "runs"))) return [];
  return readFileSync(join(rec, "runs"), "utf8")
    .split("\n")
    .filter((l) => l.startsWith("start "))
    .map((l) => {
      const [, at, pid, uid] = l.split(" ");
      return { at: Math.round(Number(at) * 1000), pid: Number(pid), uid: Number(uid) };
    });
}

function jobPids(rec: string): number[] {
  if (!existsSync(join(rec, "pids"))) return [];
  const pids = readFileSync(join(rec, "pids"), "utf8").trim().split(" ").map(Number);
  for (const p of pids) seenPids.add(p);
  return pids;
}

function upPid(dir: string): number | null {
  const st = svstat(dir);
  if (st.pid !== null) seenPids.add(st.pid);
  return st.pid;
}

/** ms since the latest schedule slot */
const phase = (ms = Date.now()): number => ms % PERIOD_MS;

/** Waits (at most one period) until the clock is `from`…`to` ms past a slot. */
async function waitForPhase(from: number, to: number): Promise<void> {
  await waitFor(`phase ${from}-${to} ms`, PERIOD_MS + 200, () => phase() >= from && phase() <= to, 10);
}

function installService(name: string, user: string, rec: string): string {
  const r = spawnSync(
    nodeBin,
    [chimeBin, "install-service", name, "--dir", join(base, "sv"), "--user", user, "--log-user", "nobody", "--when", ",S/3", "--", "/bin/sh", join(base, "job.sh"), rec],
    { encoding: "utf8" },
  );
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return join(base, "sv", name);
}

function logText(dir: string): string {
  return readFileSync(join(dir, "log", "main", "current"), "utf8");
}

underSvscan.describe("chime under a real svscan (daemontools)", () => {
  beforeAll(async () => {
    if (!existsSync(builtChime)) throw new Error(`${builtChime} is missing: run npm run build first`);
    base = mkdtempSync(join(tmpdir(), "chime-svscan-"));
    chmodSync(base, 0o755); // nobody must reach job.sh and its record directory
    ({ chime: chimeBin, node: nodeBin } = installationForEveryone(base, { uid: nobodyUid, gid: nobodyGid }));
    mkdirSync(join(base, "sv"));
    writeFileSync(join(base, "job.sh"), JOB_SCRIPT, { mode: 0o755 });
    mkdirSync(recTick());
    mkdirSync(recTock());
    chownSync(recTock(), nobodyUid, nobodyGid);
    tick = installService("tick", "root", recTick());
    tock = installService("tock", "nobody", recTock());
    writeFileSync(join(tick, "env", "CHIME_GRACE"), `${GRACE_S}s\n`);
    // Like svscanboot: an almost empty environment, so the run scripts' absolute paths matter.
    rig = new SvscanRig(join(base, "sv"), join(base, "svscan.out"));
    rig.start({ PATH: "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin" });
    await rig.watch("tick");
    await rig.watch("tock");
  });

  afterAll(async () => {
    const { left, alive } = await tearDown(rig, seenPids, base);
    expect(left).toEqual([]);
    expect(alive).toEqual([]);
  });

  it("runs its job at each match of ,S/3, as the service user, with chime exec'd by run", async () => {
    await waitFor("two runs of tick and tock", 12_000, () => runs(recTick()).length >= 2 && runs(recTock()).length >= 2);
    // Each run starts right after its slot (a loaded CI machine gets some slack).
    for (const r of [...runs(recTick()), ...runs(recTock())]) expect(phase(r.at)).toBeLessThan(800);
    expect(runs(recTick()).every((r) => r.uid === 0)).toBe(true);
    expect(runs(recTock()).every((r) => r.uid === nobodyUid)).toBe(true);
    // supervise's pid is node running chime itself (no shell left in between), as the user.
    const pid = upPid(tock);
    expect(pid).not.toBeNull();
    const [uid, ...args] = execFileSync("ps", ["-o", "uid=,args=", "-p", String(pid)], { encoding: "utf8" }).trim().split(/\s+/);
    expect(Number(uid)).toBe(nobodyUid);
    expect(args).toContain(chimeBin);
  });

  it("svc -a runs the job at once, between slots", async () => {
    await waitForPhase(900, 1400);
    const before = runs(recTick()).length;
    const sent = Date.now();
    svc("-a", tick);
    const run = await waitFor("a run after svc -a", 1500, () => runs(recTick())[before]);
    const latency = run.at - sent;
    console.log(`svc -a → job start: ${latency} ms`);
    expect(latency).toBeLessThan(1000);
    expect(phase(run.at)).toBeGreaterThan(800); // not a scheduled run
  });

  it("svc -h reloads without a restart", async () => {
    const pid = upPid(tick);
    const lengthBefore = logText(tick).length;
    svc("-h", tick);
    await waitFor("a reload line in the log", 3000, () => /reload/i.test(logText(tick).slice(lengthBefore)));
    await sleep(200);
    expect(upPid(tick)).toBe(pid);
  });

  it("the log, read through tai64nlocal, shows each job start within 1 s of the wall clock", () => {
    const raw = logText(tick);
    const r = spawnSync("tai64nlocal", [], { input: raw, encoding: "utf8", env: { ...process.env, TZ: "UTC" } });
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.length).toBe(raw.trimEnd().split("\n").length);
    const stamped = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9}) (.*)$/;
    let checked = 0;
    for (const line of lines) {
      const m = stamped.exec(line);
      expect(m, line).not.toBeNull();
      const when = Date.parse(m![1]!.replace(" ", "T").slice(0, 23) + "Z");
      const start = /job-start (\d+\.\d+)/.exec(m![2]!);
      if (start) {
        const diff = when - Number(start[1]) * 1000;
        expect(diff).toBeGreaterThanOrEqual(-5); // date(1) read the clock first
        expect(diff).toBeLessThan(1000);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(2);
  });

  it("svc -t restarts it cleanly", async () => {
    await waitForPhase(800, 1500);
    const old = upPid(tick)!;
    const lengthBefore = logText(tick).length;
    const sent = Date.now();
    svc("-t", tick);
    const fresh = await waitFor("a new chime pid", 3000, () => {
      const p = upPid(tick);
      return p !== null && p !== old ? p : undefined;
    });
    console.log(`svc -t → new pid: ${Date.now() - sent} ms`);
    expect(isAlive(old)).toBe(false);
    expect(fresh).not.toBe(old);
    // The new process carries on: its next scheduled run happens.
    const count = runs(recTick()).length;
    await waitFor("a run after the restart", PERIOD_MS + 1500, () => runs(recTick()).length > count);
    // Cleanly: the old process said it stopped (its log flushed) before the new one started.
    const since = logText(tick).slice(lengthBefore);
    const order = [" chime stopping signal=TERM", " chime stopped", " chime starting "].map((m) => since.indexOf(m));
    expect(order[0]).toBeGreaterThanOrEqual(0);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(since).not.toMatch(/ (error|fatal) /);
  });

  it("svc -d brings it down within 1 s while idle", async () => {
    await waitForPhase(900, 1500);
    const pid = upPid(tick)!;
    const sent = Date.now();
    svc("-d", tick);
    await waitFor("down", 2000, () => !svstat(tick).up, 5);
    const took = Date.now() - sent;
    console.log(`svc -d (idle) → down: ${took} ms`);
    expect(took).toBeLessThan(1000);
    expect(isAlive(pid)).toBe(false);
    svc("-u", tick);
    await waitFor("up again", 3000, () => upPid(tick));
  });

  it("svc -d during a job: the job's group gets TERM and the service is down at once", async () => {
    writeFileSync(join(recTick(), "duration"), "60\n");
    const count = runs(recTick()).length;
    await waitFor("a long run to start", PERIOD_MS + 1500, () => runs(recTick()).length > count && jobPids(recTick()).every(isAlive));
    const pid = upPid(tick)!;
    const [sh, child] = jobPids(recTick()) as [number, number];
    const sent = Date.now();
    svc("-d", tick);
    await waitFor("down", GRACE_S * 1000 + 3000, () => !svstat(tick).up, 5);
    const took = Date.now() - sent;
    console.log(`svc -d (job running, honours TERM) → down: ${took} ms`);
    expect(took).toBeLessThan(1000);
    for (const p of [pid, sh, child]) expect(isAlive(p), `pid ${p}`).toBe(false);
    svc("-u", tick);
    await waitFor("up again", 3000, () => upPid(tick));
  });

  it("svc -d during a job that ignores TERM: down after the grace period, no orphan", async () => {
    writeFileSync(join(recTick(), "ignore-term"), "");
    const count = runs(recTick()).length;
    await waitFor("a stubborn run to start", PERIOD_MS + 1500, () => runs(recTick()).length > count && jobPids(recTick()).every(isAlive));
    const pid = upPid(tick)!;
    const [sh, child] = jobPids(recTick()) as [number, number];
    const sent = Date.now();
    svc("-d", tick);
    await waitFor("down", GRACE_S * 1000 + 3000, () => !svstat(tick).up, 5);
    const took = Date.now() - sent;
    console.log(`svc -d (job ignores TERM, grace ${GRACE_S} s) → down: ${took} ms`);
    expect(took).toBeGreaterThanOrEqual(GRACE_S * 1000 - 100); // the grace was given
    expect(took).toBeLessThan(GRACE_S * 1000 + 1000);
    for (const p of [pid, sh, child]) expect(isAlive(p), `pid ${p}`).toBe(false);
    unlinkSync(join(recTick(), "ignore-term"));
    unlinkSync(join(recTick(), "duration"));
    svc("-u", tick);
    await waitFor("up again", 3000, () => upPid(tick));
  });

  it("supervise restarts chime after kill -9, and the missed slots get exactly one catch-up run", async () => {
    await waitForPhase(600, 1500);
    const pid = upPid(tick)!;
    // Paused (SIGSTOP) over two slots, then killed: the slots were missed while "down".
    svc("-p", tick);
    const pausedAt = Date.now();
    await sleep(2 * PERIOD_MS + 200);
    await waitForPhase(700, 1200);
    const killedAt = Date.now();
    process.kill(pid, "SIGKILL");
    const fresh = await waitFor("a new chime pid", 3000, () => {
      const p = upPid(tick);
      return p !== null && p !== pid ? p : undefined;
    }, 5);
    console.log(`kill -9 → new pid: ${Date.now() - killedAt} ms`);
    expect(fresh).not.toBe(pid);
    const nextSlot = killedAt - phase(killedAt) + PERIOD_MS;
    await waitFor("the next slot's run", PERIOD_MS + 2000, () => runs(recTick()).some((r) => r.at >= nextSlot));
    await sleep(300);
    const missedWhilePaused = runs(recTick()).filter((r) => r.at > pausedAt && r.at < killedAt);
    const catchUp = runs(recTick()).filter((r) => r.at > killedAt && r.at < nextSlot - 100);
    const atNextSlot = runs(recTick()).filter((r) => r.at >= nextSlot - 100);
    expect(missedWhilePaused).toEqual([]);
    expect(catchUp.length).toBe(1);
    expect(atNextSlot.length).toBe(1);
    console.log(`kill -9 → catch-up run: ${catchUp[0]!.at - killedAt} ms`);
  });

  it("tock, run as nobody, stops within 1 s too", async () => {
    await waitForPhase(900, 1500);
    const pid = upPid(tock)!;
    const sent = Date.now();
    svc("-d", tock);
    await waitFor("down", 2000, () => !svstat(tock).up, 5);
    expect(Date.now() - sent).toBeLessThan(1000);
    expect(isAlive(pid)).toBe(false);
  });
});
