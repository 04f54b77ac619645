// git-backup against the loop it replaces (`for repo in *.git; do (cd $repo && git fetch --all -q); done`)
// and against `xargs -P4 git fetch` at chime's default concurrency, over a real git daemon on
// loopback and through a proxy adding 50 ms round trips; 100 up-to-date mirrors, then 100
// with one new commit each. chime runs as its own process (Node start-up included).
// Then the same chime-vs-xargs-P4 comparison with the machine loaded by a CPU hog (one busy
// process per core, running through both, interleaved runs), the honest case for a busy backup
// host (target ≤ 1.1), up to date and with one new commit, beside the floor of any Node program
// (spawning the fetches and nothing else); and peak RSS of a run over 100 and over 1000 up-to-date mirrors
// (constant memory: the ratio should stay near 1).
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDelayProxy } from "../git-backup/helpers/delay-proxy.js";
import { startGitDaemon } from "../git-backup/helpers/servers.js";
import { testGitEnv } from "../git-backup/helpers/git-fixtures.js";
import { fetchArgs } from "../../src/jobs/git-backup/fetch-mirror.js";

const N = Number(process.env.BENCH_MIRRORS ?? 100);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
// BENCH_PARTS=matrix,loaded,memory (default all): run only some of them
const PARTS = new Set((process.env.BENCH_PARTS ?? "matrix,loaded,memory").split(","));
const tmp = mkdtempSync(join(tmpdir(), "chime-bench-gb-"));
const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, env: testGitEnv, encoding: "utf8" }).trim();

function sh(script: string, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn("sh", ["-c", script], { cwd, env: testGitEnv, stdio: ["ignore", "ignore", "inherit"] });
    c.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${script}: exit ${code}`))));
  });
}

async function timed(f: () => Promise<void>): Promise<number> {
  const t = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One busy-looping process per core, until stop(): the load a shared backup host carries. */
function startCpuHog(): { stop: () => void } {
  const cores = Number(execFileSync("nproc", { encoding: "utf8" }).trim()) || 2;
  const hogs = Array.from({ length: cores }, () => spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }));
  return {
    stop: () => {
      for (const h of hogs) h.kill("SIGKILL");
    },
  };
}

// Preloaded into the measured chime: at the end of the run, two full GCs, then the heap still in
// use. Peak RSS includes heap V8 keeps reserved after a busy run; this is what the run holds.
const HEAP_PRELOAD = `process.on("beforeExit", () => { global.gc(); global.gc(); process.stderr.write("HEAP_USED " + process.memoryUsage().heapUsed + "\\n"); });`;

/** Peak RSS (MB, GNU time's %M on the last stderr line) and live heap after GC (MB) of `node ARGS`. */
function peakRssMb(nodeArgs: string[], cwd: string, preload: string): Promise<{ rss: number; heap: number }> {
  return new Promise((resolve, reject) => {
    const argv = [process.execPath, "--expose-gc", "-r", preload, ...nodeArgs];
    const c = spawn("/usr/bin/time", ["-f", "%M", ...argv], { cwd, env: testGitEnv, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    c.stderr.on("data", (b: Buffer) => (err += b.toString()));
    c.once("exit", (code) => {
      const kb = Number(err.trim().split("\n").at(-1));
      const heap = Number(/HEAP_USED (\d+)/.exec(err)?.[1] ?? NaN) / 1e6;
      if (code !== 0 && code !== 1) reject(new Error(`${argv.join(" ")}: exit ${code}: ${err.slice(-500)}`));
      else resolve({ rss: kb / 1024, heap });
    });
  });
}

async function main(): Promise<void> {
  const upstream = join(tmp, "upstream");
  const work = join(tmp, "work");
  mkdirSync(upstream);
  git(tmp, "init", "--quiet", "-b", "main", work);
  for (let i = 0; i < 30; i++) git(work, "commit", "--quiet", "--allow-empty", "-m", `c${i}`);
  for (let b = 0; b < 5; b++) git(work, "branch", `b${b}`, `HEAD~${b * 3}`);
  for (let t = 0; t < 3; t++) git(work, "tag", "-a", "-m", `t${t}`, `v${t}`, `HEAD~${t * 5}`);
  git(tmp, "clone", "--quiet", "--bare", work, join(tmp, "seed.git"));
  for (let i = 0; i < N; i++) cpSync(join(tmp, "seed.git"), join(upstream, `r${i}.git`), { recursive: true });

  const daemon = await startGitDaemon(upstream);
  const proxy = await startDelayProxy(daemon.port, 50);
  // scripts/bench.mjs runs this file from a bundle elsewhere, after `npm run build`, and tells
  // us where the project is. The built chime, as a run script starts it: a bundle of the job
  // alone (test/git-backup/fixtures/run-once.ts) skipped the runner around it, and with it a
  // `ps` per git that only `chime git-backup` paid.
  const state = join(tmp, "state");
  const cli = [join(process.env.CHIME_ROOT ?? process.cwd(), "dist", "bin", "chime.cjs"), "--state-dir", state, "git-backup"];
  const cliText = cli.map((a) => `"${a}"`).join(" ");

  // Mirror templates, one per network, already repaired by a chime run (heads+tags refspecs).
  const templates: Record<string, string> = {};
  for (const [net, port] of [
    ["loopback", daemon.port],
    ["50ms-rtt", proxy.port],
  ] as const) {
    const t = join(tmp, `template-${net}`);
    mkdirSync(t);
    git(t, "clone", "--quiet", "--mirror", daemon.url("r0.git"), "r0.git");
    for (let i = 0; i < N; i++) {
      if (i > 0) cpSync(join(t, "r0.git"), join(t, `r${i}.git`), { recursive: true });
      git(join(t, `r${i}.git`), "config", "remote.origin.url", `git://127.0.0.1:${port}/r${i}.git`);
    }
    templates[net] = t;
  }
  const backup = join(tmp, "backup");
  const fresh = (net: string) => {
    rmSync(backup, { recursive: true, force: true });
    cpSync(templates[net]!, backup, { recursive: true });
  };
  const chime = () => sh(`"${process.execPath}" ${cliText} "${backup}"`, tmp);
  for (const net of Object.keys(templates)) {
    await sh(`"${process.execPath}" ${cliText} "${templates[net]}"`, tmp);
  }

  const methods: Record<string, () => Promise<void>> = {
    chime,
    "shell-loop": () => sh(`for repo in *.git; do (cd "$repo" && git fetch --all -q); done`, backup),
    "xargs-P4": () => sh(`printf '%s\\n' *.git | xargs -P4 -I{} git -C {} fetch --all -q`, backup),
  };
  const totals: Record<string, number> = { chime: 0, "shell-loop": 0, "xargs-P4": 0 };
  for (const phase of PARTS.has("matrix") ? ["up-to-date", "one-new-commit"] : []) {
    if (phase === "one-new-commit") {
      for (let i = 0; i < N; i++) {
        const r = join(upstream, `r${i}.git`);
        const c = git(r, "commit-tree", "-p", "refs/heads/main", "-m", `new ${i}`, "refs/heads/main^{tree}");
        git(r, "update-ref", "refs/heads/main", c);
      }
    }
    for (const net of Object.keys(templates)) {
      const times: Record<string, number> = {};
      for (const [name, run] of Object.entries(methods)) {
        const xs: number[] = [];
        for (let k = 0; k < RUNS; k++) {
          fresh(net);
          xs.push(await timed(run));
        }
        times[name] = median(xs);
        totals[name]! += times[name]!;
      }
      const c = times.chime!;
      console.log(
        `bench git-backup[${net},${phase}]: chime ${c.toFixed(2)} s, shell-loop ${times["shell-loop"]!.toFixed(2)} s, ratio ${(c / times["shell-loop"]!).toFixed(2)}`,
      );
      console.log(
        `bench git-backup-overhead[${net},${phase}]: chime ${c.toFixed(2)} s, xargs-P4 ${times["xargs-P4"]!.toFixed(2)} s, ratio ${(c / times["xargs-P4"]!).toFixed(2)}`,
      );
    }
  }
  const c = totals.chime!;
  if (PARTS.has("matrix"))
    console.log(
      `bench git-backup: chime ${c.toFixed(2)} s, shell-loop ${totals["shell-loop"]!.toFixed(2)} s, ratio ${(c / totals["shell-loop"]!).toFixed(2)}`,
    );
  if (PARTS.has("matrix"))
    console.log(
      `bench git-backup-overhead: chime ${c.toFixed(2)} s, xargs-P4 ${totals["xargs-P4"]!.toFixed(2)} s, ratio ${(c / totals["xargs-P4"]!).toFixed(2)}`,
    );

  // Loaded: chime, xargs -P4 and the floor interleaved so all see the same load; up to date
  // (each copy first brought up to date), then one new commit (a fresh copy of the template,
  // one commit behind upstream, before every run). The floor is the least any Node program
  // can do: spawn one `git fetch` per mirror, four at a time, with chime's own fetch argv
  // (fetch-mirror.ts), and nothing else (no lock, no snapshot, no journal); its ratio is what
  // Node's own fork+exec per git costs on a loaded host, below which chime cannot go.
  const floorScript = join(tmp, "node-spawn-only.mjs");
  writeFileSync(
    floorScript,
    `import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
const dirs = readdirSync(".").filter((d) => d.endsWith(".git"));
const fetch = ${JSON.stringify(fetchArgs())};
let next = 0;
const worker = async () => {
  while (next < dirs.length) {
    const d = dirs[next++];
    await new Promise((r) => spawn("git", fetch, { cwd: d, stdio: "ignore" }).once("exit", r));
  }
};
await Promise.all([worker(), worker(), worker(), worker()]);
`,
  );
  const loadedMethods: Record<string, () => Promise<void>> = {
    chime,
    "xargs-P4": methods["xargs-P4"]!,
    "node-spawn-only": () => sh(`"${process.execPath}" "${floorScript}"`, backup),
  };
  if (PARTS.has("loaded") && !PARTS.has("matrix")) {
    // the matrix above put upstream one commit ahead of the templates; without it, do that here
    for (let i = 0; i < N; i++) {
      const r = join(upstream, `r${i}.git`);
      const c = git(r, "commit-tree", "-p", "refs/heads/main", "-m", `new ${i}`, "refs/heads/main^{tree}");
      git(r, "update-ref", "refs/heads/main", c);
    }
  }
  const hog = PARTS.has("loaded") ? startCpuHog() : { stop: () => {} };
  try {
    for (const phase of PARTS.has("loaded") ? ["up-to-date", "one-new-commit"] : []) {
      for (const net of Object.keys(templates)) {
        const xs: Record<string, number[]> = {};
        for (const name of Object.keys(loadedMethods)) xs[name] = [];
        if (phase === "up-to-date") {
          fresh(net);
          await methods["xargs-P4"]!(); // bring this copy up to date with upstream's new commits
        }
        for (let k = 0; k < RUNS; k++) {
          for (const [name, run] of Object.entries(loadedMethods)) {
            if (phase === "one-new-commit") fresh(net);
            xs[name]!.push(await timed(run));
          }
        }
        const cl = median(xs.chime!);
        const xl = median(xs["xargs-P4"]!);
        const fl = median(xs["node-spawn-only"]!);
        console.log(
          `bench git-backup-overhead-loaded[${net},${phase}]: chime ${cl.toFixed(2)} s, xargs-P4 ${xl.toFixed(2)} s, ratio ${(cl / xl).toFixed(2)}`,
        );
        console.log(
          `bench git-backup-floor-loaded[${net},${phase}]: node-spawn-only ${fl.toFixed(2)} s, xargs-P4 ${xl.toFixed(2)} s, ratio ${(fl / xl).toFixed(2)}`,
        );
      }
    }
  } finally {
    hog.stop();
  }

  // Constant memory: peak RSS over 100 and over SCALE up-to-date mirrors (loopback, each a
  // copy of one up-to-date mirror pointing at one of the N upstreams).
  const SCALE = Number(process.env.BENCH_SCALE_MIRRORS ?? 1000);
  const many = join(tmp, "many");
  rmSync(backup, { recursive: true, force: true });
  mkdirSync(many);
  const seedMirror = join(templates.loopback!, "r0.git");
  git(seedMirror, "fetch", "--quiet", "origin", "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*");
  const rss: Record<number, number> = {};
  const heap: Record<number, number> = {};
  const preload = join(tmp, "heap-preload.cjs");
  writeFileSync(preload, HEAP_PRELOAD);
  let made = 0;
  for (const count of PARTS.has("memory") ? [100, SCALE] : []) {
    for (; made < count; made++) {
      const m = join(many, `m${made}.git`);
      cpSync(seedMirror, m, { recursive: true });
      git(m, "config", "remote.origin.url", `git://127.0.0.1:${daemon.port}/r${made % N}.git`);
    }
    await sh(`"${process.execPath}" ${cliText} "${many}"`, tmp); // first run repairs, brings all up to date
    const t0 = process.hrtime.bigint();
    // BENCH_NODE_ARGS (e.g. --max-old-space-size=40): does the run fit a smaller heap?
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
    const measured = await peakRssMb([...nodeArgs, ...cli, many], tmp, preload);
    rss[count] = measured.rss;
    heap[count] = measured.heap;
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(`bench git-backup-mirrors[${count}]: chime ${secs.toFixed(2)} s, ${((secs / count) * 1000).toFixed(1)} ms per mirror`);
  }
  if (PARTS.has("memory"))
    console.log(
      `bench git-backup-peak-rss[${SCALE} vs 100 mirrors]: chime ${rss[SCALE]!.toFixed(1)} MB, 100-mirrors ${rss[100]!.toFixed(1)} MB, ratio ${(rss[SCALE]! / rss[100]!).toFixed(2)}`,
    );
  if (PARTS.has("memory"))
    console.log(
      `bench git-backup-heap-after-gc[${SCALE} vs 100 mirrors]: chime ${heap[SCALE]!.toFixed(1)} MB, 100-mirrors ${heap[100]!.toFixed(1)} MB, ratio ${(heap[SCALE]! / heap[100]!).toFixed(2)}`,
    );
  await proxy.stop();
  await daemon.stop();
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => rmSync(tmp, { recursive: true, force: true }));
