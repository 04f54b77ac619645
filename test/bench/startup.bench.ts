// start-up: a whole `rw-match n ,M=0` process (the bundled dist/bin/rw-match.cjs) against a bare
// `node -e 0`, median wall time of 25 interleaved runs each. ratio = chime ÷ node.
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const root = process.env["CHIME_ROOT"] ?? process.cwd();
const rwMatch = join(root, "dist/bin/rw-match.cjs");
const RUNS = 25;

function timeOnce(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}`);
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const ours: number[] = [];
const bare: number[] = [];
// warm the page cache
for (let i = 0; i < 3; i++) {
  timeOnce([rwMatch, "n", ",M=0"]);
  timeOnce(["-e", "0"]);
}
for (let i = 0; i < RUNS; i++) {
  ours.push(timeOnce([rwMatch, "n", ",M=0"]));
  bare.push(timeOnce(["-e", "0"]));
}
const a = median(ours);
const b = median(bare);
console.log(`bench startup: chime ${a.toFixed(1)} ms, node-e-0 ${b.toFixed(1)} ms, ratio ${(a / b).toFixed(2)}`);
