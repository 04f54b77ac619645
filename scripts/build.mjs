// Build: one self-contained CommonJS bundle per command-line program.
// Why bundles and not tsc output: rw-* tools start once per run-script pass, and a single
// CJS file loads ~25 ms faster than a tree of ESM modules (docs/development.md has numbers).
// Why still CJS and not ESM bundles with code splitting: Node's ESM loader alone costs a
// resident ~1.9 MB (measured on Node 20: an idle `node` 39.3 MB, one tiny imported .mjs 41.2 MB),
// more than splitting would save. Laziness comes from dynamic import() instead: esbuild turns
// each dynamically imported module into one initialised on first use (the job modules, chime's
// subcommands), so a service pays only for the source text of what it never runs.
// Type checking is `npm run typecheck`; esbuild only strips types.
import { build } from "esbuild";
import { chmod, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";

const entryDir = "src/cli/bin";
const outdir = "dist/bin";
const entries = (await readdir(entryDir)).filter((f) => f.endsWith(".ts"));
// `chime --version` and the start-up log line: the version the bundle was built from
const { version } = JSON.parse(await readFile("package.json", "utf8"));

/**
 * pino parts chime never uses, left out of the bundles. chime always hands pino its own
 * destination (src/log), so pino's default destination (sonic-boom, which loads node:assert)
 * and its worker-thread transports (thread-stream, node:worker_threads) are dead weight:
 * together ~0.9 MB resident in an idle service (docs/operations.md, "Memory"). Each stand-in
 * fails loudly if a future change starts to use what it replaces.
 */
const unusedPinoParts = {
  name: "unused-pino-parts",
  setup(b) {
    const stubs = {
      "sonic-boom":
        "module.exports = class SonicBoom { constructor() { throw new Error('chime: pino destinations are not bundled; pass a stream'); } };",
      "./transport": "module.exports = function transport() { throw new Error('chime: pino transports are not bundled'); };",
      "./lib/transport": "module.exports = function transport() { throw new Error('chime: pino transports are not bundled'); };",
      // pino reads only isMainThread, to register its own destination's exit flush
      worker_threads: "module.exports = { isMainThread: true };",
    };
    const fromPino = /[/\\]node_modules[/\\]pino[/\\](pino|lib[/\\]tools)\.js$/;
    b.onResolve({ filter: /^(sonic-boom|\.\/transport|\.\/lib\/transport|worker_threads)$/ }, (a) =>
      fromPino.test(a.importer) ? { path: a.path, namespace: "unused-pino-part" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "unused-pino-part" }, (a) => ({ contents: stubs[a.path], loader: "js" }));
  },
};

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
  // V8 keeps a bundle's whole source in memory for lazy compilation, as two bytes per character
  // if a single character is not ASCII (a dependency's comment was enough: chime.cjs took 1.7 MB
  // of heap). Without whitespace and comments the text is ASCII (esbuild escapes the rest) and
  // ~40% smaller. Identifiers are kept, so stack traces still name functions; positions map
  // back through the .map file (`node --enable-source-maps`).
  minifyWhitespace: true,
  plugins: [unusedPinoParts],
  logLevel: "warning",
  // import.meta.url has no CJS meaning; the few modules that need their own path get it here.
  define: { "import.meta.url": "__chime_import_meta_url", __CHIME_VERSION__: JSON.stringify(version) },
  banner: { js: "const __chime_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
});
for (const f of entries) await chmod(join(outdir, f.replace(/\.ts$/, ".cjs")), 0o755);
