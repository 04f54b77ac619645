// wake lateness: 30 wakes on an every-second schedule through parseSchedule + sleepUntil, against
// croner 11 running a "* * * * * *" job; lateness = wall time of the wake minus the scheduled
// second. Prints p50 and p99 of each, one line each. ratio = chime ÷ croner.
import { Cron } from "croner";
import { parseSchedule } from "../../src/schedule/schedule.js";
import { sleepUntil } from "../../src/sleep/sleep-until.js";
import { systemClock } from "../../src/sleep/clock.js";
import { tz } from "../zones.js";

const WAKES = 30;
const wallMs = (): number => performance.timeOrigin + performance.now();

async function chimeLateness(): Promise<number[]> {
  const schedule = parseSchedule(",S/1");
  const out: number[] = [];
  for (let i = 0; i < WAKES; i++) {
    const wake = schedule.next(systemClock.now(), tz("UTC"));
    await sleepUntil(wake);
    out.push(wallMs() - wake.seconds * 1000);
  }
  return out;
}

function cronerLateness(): Promise<number[]> {
  const out: number[] = [];
  return new Promise((done) => {
    const job = new Cron("* * * * * *", { timezone: "UTC" }, () => {
      const now = wallMs();
      out.push(now - Math.round(now / 1000) * 1000);
      if (out.length === WAKES) {
        job.stop();
        done(out);
      }
    });
  });
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

const ours = await chimeLateness();
const theirs = await cronerLateness();
for (const p of [50, 99]) {
  const a = pct(ours, p);
  const b = pct(theirs, p);
  console.log(`bench wake-lateness-p${p}: chime ${a.toFixed(2)} ms, croner ${b.toFixed(2)} ms, ratio ${(a / b).toFixed(2)}`);
}
