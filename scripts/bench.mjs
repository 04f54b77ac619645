// `npm run bench`: runs every test/bench/*.bench.ts in turn, each in its own Node process
// (so one benchmark's heap and timers cannot disturb the next). Each prints lines of the form
//   bench <name>: chime <value> <unit>, <anchor> <value> <unit>, ratio <r>
// Benchmarks are never part of `npm test`.
import { build } from "esbuild";
import { mkdir, readdir, rm } from "node:fs/promises";
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";

const only = process.argv.slice(2);
const dir = "test/bench";
const files = (await readdir(dir))
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
// Inside node_modules so that bare imports in the bundle resolve to the project's packages.
const out = resolve("node_modules/.chime-bench");
await mkdir(out, { recursive: true });
let failed = 0;
try {
  for (const f of files) {
    const outfile = join(out, f.replace(/\.ts$/, ".mjs"));
    await build({
      entryPoints: [join(dir, f)],
      outfile,
      bundle: true,
      platform: "node",
      target: "node20",
      format: "esm",
      packages: "external",
      logLevel: "warning",
    });
    const r = spawnSync(process.execPath, [outfile], {
      stdio: "inherit",
      env: { ...process.env, CHIME_ROOT: resolve(".") },
    });
    if (r.status !== 0) {
      failed++;
      console.error(`bench ${f}: failed with status ${r.status ?? r.signal}`);
    }
  }
} finally {
  await rm(out, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
