// Memory benchmarks (issue 10 §8). Each prints
//   bench <name>: chime <value> MB, node-idle <value> MB, ratio <r>
// against a bare idle `node` measured in the same run (median of 3 interleaved runs each).
// 1. daemon-idle-rss: a real `chime --when ,M=0 … exec -- true` service at rest (target ≤ 1.15).
// 2. daemon-config-20-exec-rss: a `chime --config FILE` service with 20 exec jobs (target ≤ 1.25).
// 3. rss-part-*: what one part costs on its own, in a bare `node` that loads only it — the
//    numbers behind docs/operations.md ("Memory"):
//    - rss-part-intl-zone: one Intl.DateTimeFormat with a time zone (ICU's zone and locale data,
//      what a service avoids by reading the offsets of its own TZ through Date);
//    - rss-part-pino-package: pino as published, with the destination and transport code the
//      build leaves out of the bundles (scripts/build.mjs);
//    - rss-part-git-backup-job, rss-part-ntp-check-job: a service with that one job configured
//      (its module and libraries loaded) against the same service running an exec job.
// RSS counts every page of the node binary a process has touched; those pages are shared between
// processes, so RSS overstates what the tenth service on a host adds (docs/operations.md).
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = process.env["CHIME_ROOT"] ?? process.cwd();
const chime = join(root, "dist/bin/chime.cjs");
const ROUNDS = 3;
const IDLE_NODE = ["-e", "setInterval(() => {}, 1e9)"];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** RSS of another process in MB, from ps (the product itself never reads /proc) */
function rssOf(pid: number): number {
  return Number(execFileSync("ps", ["-o", "rss=", "-p", String(pid)], { encoding: "utf8" }).trim()) / 1024;
}

/** Starts `node ARGS`, waits for `ready` on stdout (all of `count` matches), lets it settle, reads its RSS. */
async function idleRss(args: string[], ready: RegExp | null, count = 1, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"], env });
  let text = "";
  child.stdout.on("data", (c: Buffer) => (text += c.toString()));
  const t0 = Date.now();
  const matches = () => (ready ? (text.match(new RegExp(ready.source, "g")) ?? []).length : count);
  while (matches() < count && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
  if (matches() < count) throw new Error(`node ${args.join(" ")}: not ready after 20 s:\n${text}`);
  await new Promise((r) => setTimeout(r, 1500)); // settle: lazy compilation, first GC
  const rss = rssOf(child.pid!);
  child.kill("SIGTERM");
  await new Promise((r) => child.on("exit", r));
  return rss;
}

function line(name: string, ours: number[], bare: number[]): void {
  const a = median(ours);
  const b = median(bare);
  console.log(`bench ${name}: chime ${a.toFixed(1)} MB, node-idle ${b.toFixed(1)} MB, ratio ${(a / b).toFixed(2)}`);
}

/** One chime service per round, each with a fresh state directory, against an idle node. */
async function benchService(name: string, args: (state: string) => string[], ready: RegExp, count: number): Promise<void> {
  const ours: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const state = mkdtempSync(join(tmpdir(), "chime-bench-"));
    try {
      ours.push(await idleRss([chime, "--allow-root", "--state-dir", state, ...args(state)], ready, count));
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
    bare.push(await idleRss(IDLE_NODE, null));
  }
  line(name, ours, bare);
}

function configFile(dir: string, jobs: object[]): string {
  const path = join(dir, "jobs.json");
  writeFileSync(path, JSON.stringify({ jobs }));
  return path;
}

const twentyExecJobs = Array.from({ length: 20 }, (_, i) => ({ name: `job${i}`, job: "exec", args: ["--", "true"], when: `,M=${i}` }));

/** A part on its own: node running CODE and then idling, against node idling. */
async function benchPart(name: string, code: string): Promise<void> {
  const ours: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    ours.push(
      await idleRss(["-e", `${code}; console.log("ready"); setInterval(() => {}, 1e9)`], /ready/, 1, {
        ...process.env,
        NODE_PATH: join(root, "node_modules"),
      }),
    );
    bare.push(await idleRss(IDLE_NODE, null));
  }
  line(name, ours, bare);
}

/** A service with one job of a kind against the same service with an exec job: the job's own cost. */
async function benchJobPart(name: string, job: (dir: string) => object): Promise<void> {
  const ours: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    for (const exec of [false, true]) {
      const list = exec ? bare : ours;
      const state = mkdtempSync(join(tmpdir(), "chime-bench-"));
      try {
        mkdirSync(join(state, "mirrors"));
        const path = configFile(state, [exec ? { name: "x", job: "exec", args: ["--", "true"], when: ",M=0" } : job(state)]);
        list.push(await idleRss([chime, "--allow-root", "--state-dir", join(state, "s"), "--config", path], / next run: /));
      } finally {
        rmSync(state, { recursive: true, force: true });
      }
    }
  }
  const a = median(ours);
  const b = median(bare);
  console.log(`bench ${name}: chime ${a.toFixed(1)} MB, exec-service ${b.toFixed(1)} MB, ratio ${(a / b).toFixed(2)}`);
}

await benchService("daemon-idle-rss", () => ["--when", ",M=0", "exec", "--", "true"], / next run: /, 1);
await benchService("daemon-config-20-exec-rss", (state) => ["--config", configFile(state, twentyExecJobs)], / next run: /, 20);
await benchPart("rss-part-intl-zone", `new Intl.DateTimeFormat("en-US", { timeZone: "Europe/Berlin", hour: "numeric" }).format(0)`);
await benchPart("rss-part-pino-package", `require("pino")({}, { write() {} }).info("x")`);
await benchJobPart("rss-part-git-backup-job", (dir) => ({
  name: "mirrors",
  job: "git-backup",
  args: [join(dir, "mirrors")],
  when: ",M=0",
}));
await benchJobPart("rss-part-ntp-check-job", () => ({ name: "clock", job: "ntp-check", args: ["127.0.0.1"], when: ",M=0" }));
