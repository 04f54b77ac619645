// git-backup against the loop it replaces (`for repo in *.git; do (cd $repo && git fetch --all -q); done`)
// and against `xargs -P4 git fetch` at chime's default concurrency, over a real git daemon on
// loopback and through a proxy adding 50 ms round trips; 100 up-to-date mirrors, then 100
// with one new commit each. chime runs as its own process (Node start-up included).
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleRunOnce } from "../git-backup/helpers/run-once-bundle.js";
import { startDelayProxy } from "../git-backup/helpers/delay-proxy.js";
import { startGitDaemon } from "../git-backup/helpers/servers.js";
import { testGitEnv } from "../git-backup/helpers/git-fixtures.js";

const N = Number(process.env.BENCH_MIRRORS ?? 100);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
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
  // scripts/bench.mjs runs this file from a bundle elsewhere and tells us where the project is.
  const script = await bundleRunOnce(tmp, process.env.CHIME_ROOT ?? process.cwd());
  const state = join(tmp, "state");

  // Mirror templates, one per network, already repaired by a chime run (heads+tags refspecs).
  const templates: Record<string, string> = {};
  for (const [net, port] of [["loopback", daemon.port], ["50ms-rtt", proxy.port]] as const) {
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
  const chime = () => sh(`"${process.execPath}" "${script}" "${state}" "${backup}"`, tmp);
  for (const net of Object.keys(templates)) {
    await sh(`"${process.execPath}" "${script}" "${state}" "${templates[net]}"`, tmp);
  }

  const methods: Record<string, () => Promise<void>> = {
    chime,
    "shell-loop": () => sh(`for repo in *.git; do (cd "$repo" && git fetch --all -q); done`, backup),
    "xargs-P4": () => sh(`printf '%s\\n' *.git | xargs -P4 -I{} git -C {} fetch --all -q`, backup),
  };
  const totals: Record<string, number> = { chime: 0, "shell-loop": 0, "xargs-P4": 0 };
  for (const phase of ["up-to-date", "one-new-commit"]) {
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
      console.log(`bench git-backup[${net},${phase}]: chime ${c.toFixed(2)} s, shell-loop ${times["shell-loop"]!.toFixed(2)} s, ratio ${(c / times["shell-loop"]!).toFixed(2)}`);
      console.log(`bench git-backup-overhead[${net},${phase}]: chime ${c.toFixed(2)} s, xargs-P4 ${times["xargs-P4"]!.toFixed(2)} s, ratio ${(c / times["xargs-P4"]!).toFixed(2)}`);
    }
  }
  const c = totals.chime!;
  console.log(`bench git-backup: chime ${c.toFixed(2)} s, shell-loop ${totals["shell-loop"]!.toFixed(2)} s, ratio ${(c / totals["shell-loop"]!).toFixed(2)}`);
  console.log(`bench git-backup-overhead: chime ${c.toFixed(2)} s, xargs-P4 ${totals["xargs-P4"]!.toFixed(2)} s, ratio ${(c / totals["xargs-P4"]!).toFixed(2)}`);
  await proxy.stop();
  await daemon.stop();
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => rmSync(tmp, { recursive: true, force: true }));
