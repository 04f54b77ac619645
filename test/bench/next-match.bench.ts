// next-match: next() computations per second on four schedule shapes, chime's carry arithmetic
// against croner 11's nextRun on the closest equivalent pattern, same zone, same start instants.
// Also the worst single next() over those starts (each start timed 5 times, fastest kept, so the
// line shows the slowest INPUT rather than a GC pause). ratio = chime ÷ croner.
import { Cron } from "croner";
import { parseSchedule } from "../../src/schedule/schedule.js";
import type { Instant } from "../../src/time/instant.js";
import { tz } from "../zones.js";

const ZONE = "Europe/Berlin";
const SHAPES = [
  { name: "hourly", chime: ",M=0", croner: "0 0 * * * *" },
  // croner has no "third from last day" (L-2); its last-day L is the closest shape.
  { name: "d-3-H14-M15", chime: ",d-3,H=14,M/15", croner: "0 */15 14 L * *" },
  { name: "every-15s", chime: ",S/15", croner: "*/15 * * * * *" },
  { name: "feb-29", chime: ",m=2,d=29", croner: "0 0 0 29 2 *" },
];

// Start instants: a fixed pseudo-random spread over 2020-2035 (same for both libraries).
let seed = 0x2f6b9a1d;
const random = (): number => {
  seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
  return seed / 2 ** 32;
};
const FROM_SECONDS = Array.from({ length: 2000 }, () => 1_577_836_800 + Math.floor(random() * 15 * 365 * 86_400));
const FROM_INSTANTS: Instant[] = FROM_SECONDS.map((s) => ({ seconds: s, nanos: 0 }));
const FROM_DATES = FROM_SECONDS.map((s) => new Date(s * 1000));

let sink = 0;

/** Calls per second over one ~250 ms round through all start instants. */
function round(calls: (i: number) => number): number {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < 250) {
    for (let i = 0; i < 200; i++) sink += calls(n++ % FROM_SECONDS.length);
    t = performance.now();
  }
  return (n / (t - t0)) * 1000;
}

/** Best of 5 rounds each, the two contenders alternating so that load from elsewhere hits both. */
function rates(a: (i: number) => number, b: (i: number) => number): [number, number] {
  let bestA = 0;
  let bestB = 0;
  for (let r = 0; r < 5; r++) {
    bestA = Math.max(bestA, round(a));
    bestB = Math.max(bestB, round(b));
  }
  return [bestA, bestB];
}

/** The slowest start instant: per start the fastest of 5 timings, then the maximum, in µs. */
function worstMicros(call: (i: number) => number): number {
  let worst = 0;
  for (let i = 0; i < FROM_SECONDS.length; i++) {
    let best = Infinity;
    for (let k = 0; k < 5; k++) {
      const t0 = process.hrtime.bigint();
      sink += call(i);
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1000);
    }
    worst = Math.max(worst, best);
  }
  return worst;
}

const fmt = (x: number, digits = 0): string => x.toFixed(digits);

for (const shape of SHAPES) {
  const schedule = parseSchedule(shape.chime);
  const cron = new Cron(shape.croner, { timezone: ZONE, paused: true });
  // Start one second early so croner's "after" and our "at or after" ask the same question.
  const chimeNext = (i: number): number => schedule.next(FROM_INSTANTS[i]!, tz(ZONE)).seconds;
  const cronerNext = (i: number): number => cron.nextRun(new Date(FROM_DATES[i]!.getTime() - 1000))?.getTime() ?? 0;
  for (let i = 0; i < 20_000; i++) sink += chimeNext(i % 2000) + cronerNext(i % 2000); // warm up
  const [chimeRate, cronerRate] = rates(chimeNext, cronerNext);
  console.log(
    `bench next-match-${shape.name}: chime ${fmt(chimeRate)} next/s, croner ${fmt(cronerRate)} next/s, ratio ${fmt(chimeRate / cronerRate, 2)}`,
  );
  const chimeWorst = worstMicros(chimeNext);
  const cronerWorst = worstMicros(cronerNext);
  console.log(
    `bench next-worst-${shape.name}: chime ${fmt(chimeWorst, 1)} µs, croner ${fmt(cronerWorst, 1)} µs, ratio ${fmt(chimeWorst / cronerWorst, 2)}`,
  );
}
if (sink === 42) console.log(""); // keeps the computed values alive
