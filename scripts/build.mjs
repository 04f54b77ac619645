// Build: one self-contained CommonJS bundle per command-line program.
// Why bundles and not tsc output: rw-* tools start once per run-script pass, and a single
// CJS file loads ~25 ms faster than a tree of ESM modules (docs/development.md has numbers).
// Type checking is `npm run typecheck`; esbuild only strips types.
import { build } from "esbuild";
import { chmod, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";

const entryDir = "src/cli/bin";
const outdir = "dist/bin";
const entries = (await readdir(entryDir)).filter((f) => f.endsWith(".ts"));
// `chime --version` and the start-up log line: the version the bundle was built from
const { version } = JSON.parse(await readFile("package.json", "utf8"));

await rm("dist", { recursive: true, force: true });
await build({
  entryPoints: entries.map((f) => join(entryDir, f)),
  outdir,
  outExtension: { ".js": ".cjs" },
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  sourcemap: "linked",
  logLevel: "warning",
  // import.meta.url has no CJS meaning; the few modules that need their own path get it here.
  define: { "import.meta.url": "__chime_import_meta_url", __CHIME_VERSION__: JSON.stringify(version) },
  banner: { js: "const __chime_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
});
for (const f of entries) await chmod(join(outdir, f.replace(/\.ts$/, ".cjs")), 0o755);
