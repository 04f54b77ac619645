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
import { SvscanRig, underSvscan, installationForEveryone, isAlive, svc, svstat, tearDown, waitFor } from "./svscan-rig.js";

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

/** Waits (one period, with room for a loaded machine) until the clock is `from`…`to` ms past a slot. */
async function waitForPhase(from: number, to: number): Promise<void> {
  await waitFor(`phase ${from}-${to} ms`, 3 * PERIOD_MS, () => phase() >= from && phase() <= to, 10);
}

function installService(name: string, user: string, rec: string): string {
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
      "--log-user",
      "nobody",
      "--when",
      ",S/3",
      "--",
      "/bin/sh",
      join(base, "job.sh"),
      rec,
    ],
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
    await waitFor("two runs of tick and tock", 60_000, () => runs(recTick()).length >= 2 && runs(recTock()).length >= 2);
    // One run per slot: how soon after its slot a run starts is a latency (test/bench), not a rule.
    for (const rec of [recTick(), recTock()]) {
      const slots = runs(rec).map((r) => Math.floor(r.at / PERIOD_MS));
      expect(new Set(slots).size).toBe(slots.length);
    }
    expect(runs(recTick()).every((r) => r.uid === 0)).toBe(true);
    expect(runs(recTock()).every((r) => r.uid === nobodyUid)).toBe(true);
    // supervise's pid is node running chime itself (no shell left in between), as the user.
    const pid = upPid(tock);
    expect(pid).not.toBeNull();
    const [uid, ...args] = execFileSync("ps", ["-o", "uid=,args=", "-p", String(pid)], { encoding: "utf8" })
      .trim()
      .split(/\s+/);
    expect(Number(uid)).toBe(nobodyUid);
    expect(args).toContain(chimeBin);
  });

  it("svc -a runs the job at once, between slots", async () => {
    await waitForPhase(900, 1400);
    const before = runs(recTick()).length;
    const lengthBefore = logText(tick).length;
    const sent = Date.now();
    svc("-a", tick);
    const run = await waitFor("a run after svc -a", 30_000, () => runs(recTick())[before]);
    console.log(`svc -a → job start: ${run.at - sent} ms`);
    // chime says the run was the ALRM's, not the schedule's
    await waitFor("chime's line for the ALRM", 30_000, () => / running job now signal=ALRM/.test(logText(tick).slice(lengthBefore)));
  });

  it("svc -h reloads without a restart", async () => {
    const pid = upPid(tick);
    const lengthBefore = logText(tick).length;
    svc("-h", tick);
    await waitFor("a reload line in the log", 30_000, () => /reload/i.test(logText(tick).slice(lengthBefore)));
    expect(upPid(tick)).toBe(pid);
  });

  it("the log, read through tai64nlocal, stamps each job start between the job's own clock reading and now", () => {
    const raw = logText(tick);
    const readAt = Date.now();
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
        expect(when).toBeLessThanOrEqual(readAt); // and chime stamped it before we read the log
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
    const fresh = await waitFor("a new chime pid", 30_000, () => {
      const p = upPid(tick);
      return p !== null && p !== old ? p : undefined;
    });
    console.log(`svc -t → new pid: ${Date.now() - sent} ms`);
    expect(isAlive(old)).toBe(false);
    expect(fresh).not.toBe(old);
    // The new process carries on: its next scheduled run happens.
    const count = runs(recTick()).length;
    await waitFor("a run after the restart", PERIOD_MS + 30_000, () => runs(recTick()).length > count);
    // Cleanly: the old process said it stopped (its log flushed) before the new one started.
    const since = logText(tick).slice(lengthBefore);
    const order = [" chime stopping signal=TERM", " chime stopped", " chime starting "].map((m) => since.indexOf(m));
    expect(order[0]).toBeGreaterThanOrEqual(0);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(since).not.toMatch(/ (error|fatal) /);
  });

  it("svc -d brings it down while idle, and it says it stopped", async () => {
    await waitForPhase(900, 1500);
    const pid = upPid(tick)!;
    const lengthBefore = logText(tick).length;
    const sent = Date.now();
    svc("-d", tick);
    await waitFor("down", 30_000, () => !svstat(tick).up, 5);
    console.log(`svc -d (idle) → down: ${Date.now() - sent} ms`);
    expect(isAlive(pid)).toBe(false);
    await waitFor("the stop line", 30_000, () => logText(tick).slice(lengthBefore).includes(" chime stopped"));
    svc("-u", tick);
    await waitFor("up again", 30_000, () => upPid(tick));
  });

  it("svc -d during a job: the job's group gets TERM and the service goes down without a KILL", async () => {
    writeFileSync(join(recTick(), "duration"), "60\n");
    const count = runs(recTick()).length;
    await waitFor("a long run to start", PERIOD_MS + 30_000, () => runs(recTick()).length > count && jobPids(recTick()).every(isAlive));
    const pid = upPid(tick)!;
    const [sh, child] = jobPids(recTick()) as [number, number];
    const lengthBefore = logText(tick).length;
    const sent = Date.now();
    svc("-d", tick);
    await waitFor("down", 60_000, () => !svstat(tick).up, 5);
    console.log(`svc -d (job running, honours TERM) → down: ${Date.now() - sent} ms`);
    for (const p of [pid, sh, child]) expect(isAlive(p), `pid ${p}`).toBe(false);
    // TERM was enough: no grace period ran out (that would say so and send KILL)
    expect(logText(tick).slice(lengthBefore)).not.toMatch(/sending KILL/);
    svc("-u", tick);
    await waitFor("up again", 30_000, () => upPid(tick));
  });

  it("svc -d during a job that ignores TERM: down after the grace period, no orphan", async () => {
    writeFileSync(join(recTick(), "ignore-term"), "");
    const count = runs(recTick()).length;
    await waitFor("a stubborn run to start", PERIOD_MS + 30_000, () => runs(recTick()).length > count && jobPids(recTick()).every(isAlive));
    const pid = upPid(tick)!;
    const [sh, child] = jobPids(recTick()) as [number, number];
    const lengthBefore = logText(tick).length;
    const sent = Date.now();
    svc("-d", tick);
    await waitFor("down", 60_000, () => !svstat(tick).up, 5);
    const took = Date.now() - sent;
    console.log(`svc -d (job ignores TERM, grace ${GRACE_S} s) → down: ${took} ms`);
    expect(took).toBeGreaterThanOrEqual(GRACE_S * 1000 - 100); // the grace was given
    expect(logText(tick).slice(lengthBefore)).toMatch(/command ignored TERM, sending KILL/); // then KILL
    for (const p of [pid, sh, child]) expect(isAlive(p), `pid ${p}`).toBe(false);
    unlinkSync(join(recTick(), "ignore-term"));
    unlinkSync(join(recTick(), "duration"));
    svc("-u", tick);
    await waitFor("up again", 30_000, () => upPid(tick));
  });

  it("supervise restarts chime after kill -9, and the missed slots get exactly one catch-up run", async () => {
    await waitForPhase(600, 1500);
    const pid = upPid(tick)!;
    // Paused (SIGSTOP) over two slots, then killed: the slots were missed while "down".
    svc("-p", tick);
    const pausedAt = Date.now();
    // two slots pass while it is paused: the clock is the event here
    await waitFor("two slots to pass", 2 * PERIOD_MS + 30_000, () => Date.now() >= pausedAt + 2 * PERIOD_MS + 200, 50);
    await waitForPhase(700, 1200);
    const lengthAtKill = logText(tick).length;
    const killedAt = Date.now();
    process.kill(pid, "SIGKILL");
    const fresh = await waitFor(
      "a new chime pid",
      30_000,
      () => {
        const p = upPid(tick);
        return p !== null && p !== pid ? p : undefined;
      },
      5,
    );
    console.log(`kill -9 → new pid: ${Date.now() - killedAt} ms`);
    expect(fresh).not.toBe(pid);
    // the catch-up run and then a scheduled one, however late the machine lets them start
    const after = (): Run[] => runs(recTick()).filter((r) => r.at > killedAt);
    await waitFor("a catch-up run and a scheduled run", 2 * PERIOD_MS + 60_000, () => after().length >= 2);
    // no slot after the pause ran while chime was stopped; the slot in progress when it was
    // paused may still record its start after the pause on a busy machine (the job is a process
    // group of its own, which svc -p does not stop), so it is told apart by its period
    const pausedPeriod = Math.floor(pausedAt / PERIOD_MS);
    const missedWhilePaused = runs(recTick()).filter((r) => r.at < killedAt && Math.floor(r.at / PERIOD_MS) > pausedPeriod);
    expect(missedWhilePaused).toEqual([]);
    // exactly one catch-up for the missed slots, said by the new process
    expect(
      logText(tick)
        .slice(lengthAtKill)
        .match(/missed runs while chime was not running; catching up once/g),
    ).toHaveLength(1);
    // and the scheduled run that follows is in a later slot than the catch-up
    const [catchUp, scheduled] = after() as [Run, Run];
    expect(Math.floor(scheduled.at / PERIOD_MS)).toBeGreaterThan(Math.floor(catchUp.at / PERIOD_MS));
    console.log(`kill -9 → catch-up run: ${catchUp.at - killedAt} ms`);
  });

  it("tock, run as nobody, stops on svc -d too", async () => {
    await waitForPhase(900, 1500);
    const pid = upPid(tock)!;
    const sent = Date.now();
    svc("-d", tock);
    await waitFor("down", 30_000, () => !svstat(tock).up, 5);
    console.log(`svc -d (tock, idle) → down: ${Date.now() - sent} ms`);
    expect(isAlive(pid)).toBe(false);
  });
});
