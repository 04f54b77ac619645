// Build: CommonJS bundles, one per command-line program (dist/bin) and one per job (dist/jobs).
// Why bundles and not tsc output: rw-* tools start once per run-script pass, and a single
// CJS file loads ~25 ms faster than a tree of ESM modules (docs/development.md has numbers).
// Why still CJS and not ESM bundles with code splitting: Node's ESM loader alone costs a
// resident ~1.9 MB (measured on Node 20: an idle `node` 39.3 MB, one tiny imported .mjs 41.2 MB),
// more than splitting would save.
// Why a bundle per job: V8 keeps (and pre-parses) the whole source text of a loaded file, also
// of modules that are never initialised; with every job inside chime.cjs an exec service paid
// for git-backup's, ntp-check's, dns-blocklist's and asn-db's code. So the registry's
// `import("./NAME/spec.js")` becomes a plain require() of dist/jobs/NAME.cjs, loaded on the
// job's first use, and a service holds the source of the jobs it runs only.
// Why a module that chime.cjs and a job (or two jobs) both use is not simply in both bundles:
// the copies' classes and module state would differ (`instanceof JobConfigError`,
// `NetworkReadError`, `ConfigError` across the boundary; the logger's and the process runner's
// state). Comparing errors by name would cover the classes but not the state. So such a module
// is in chime.cjs only: chime.cjs first sets up a table that hands out its shared modules (each
// initialised on first use), and a job bundle has a one-line stand-in for each that takes it from
// the table. chime.cjs's own code still calls them directly, with no indirection. A separate
// shared-runtime bundle was measured and rejected: every call between chime.cjs and it goes
// through a getter, and its ~25 stand-in require()s at start made Node's path code hot enough
// for V8 to compile it with TurboFan (+3.7 MB RSS in a 20-job service).
// Type checking is `npm run typecheck`; esbuild only strips types.
import { build } from "esbuild";
import { chmod, readdir, readFile, rm } from "node:fs/promises";
import { join, resolve } from "node:path";

const entryDir = "src/cli/bin";
const outdir = "dist/bin";
const entries = (await readdir(entryDir)).filter((f) => f.endsWith(".ts"));
// `chime --version` and the start-up log line: the version the bundle was built from
const { version } = JSON.parse(await readFile("package.json", "utf8"));

/** The jobs the registry loads with `import("./NAME/spec.js")`; each becomes dist/jobs/NAME.cjs. */
const registry = resolve("src/jobs/registry.ts");
const jobNames = [...(await readFile(registry, "utf8")).matchAll(/import\("\.\/([a-z0-9-]+)\/spec\.js"\)/g)].map((m) => m[1]);
if (jobNames.length === 0) throw new Error("build: no job found in src/jobs/registry.ts");

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

/** The registry's job imports become a require() of the job's own bundle, which esbuild does not follow. */
const jobsAsBundles = {
  name: "jobs-as-bundles",
  setup(b) {
    b.onResolve({ filter: /^\.\/[a-z0-9-]+\/spec\.js$/ }, (a) =>
      resolve(a.importer) === registry ? { path: a.path.split("/")[1], namespace: "job-bundle" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "job-bundle" }, (a) => ({
      contents: `module.exports = require(${JSON.stringify(`../jobs/${a.path}.cjs`)});`,
      loader: "js",
    }));
    b.onResolve({ filter: /^\.\.\/jobs\/[a-z0-9-]+\.cjs$/ }, (a) => ({ path: a.path, external: true }));
  },
};

/**
 * The modules jobs share with chime.cjs (see the top), by number: chime.cjs's entry first runs
 * a table that hands them out, and a job bundle gets a stand-in for each that takes it from there.
 */
const sharedTableKey = 'Symbol.for("chime.shared-modules")';
function sharedTable(entry, ids) {
  return {
    name: "shared-table",
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (a) =>
        resolve(a.path) === entry
          ? { contents: firstImport(await readFile(a.path, "utf8"), 'import "chime:shared-table";'), loader: "ts" }
          : undefined,
      );
      b.onResolve({ filter: /^chime:shared-table$/ }, () => ({ path: "shared-table", namespace: "shared-table" }));
      b.onLoad({ filter: /.*/, namespace: "shared-table" }, () => ({
        // require() of an ES module inside a bundle initialises it on the first call, not at load
        contents: `const modules = [\n${[...ids.keys()].map((path) => `() => require(${JSON.stringify(path)}),`).join("\n")}\n];\nglobalThis[${sharedTableKey}] = (id) => modules[id]();`,
        resolveDir: process.cwd(),
        loader: "js",
      }));
    },
  };
}
/** `statement` before the module's own imports, after a `#!` line, on an existing line so line numbers stay. */
function firstImport(text, statement) {
  const at = text.startsWith("#!") ? text.indexOf("\n") + 1 : 0;
  return `${text.slice(0, at)}${statement} ${text.slice(at)}`;
}
function sharedStandIns(ids) {
  return {
    name: "shared-stand-ins",
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (a) => {
        if (a.pluginData === "shared-stand-ins" || a.namespace !== "file" || a.kind === "entry-point") return undefined;
        const r = await b.resolve(a.path, { kind: a.kind, importer: a.importer, resolveDir: a.resolveDir, pluginData: "shared-stand-ins" });
        if (r.errors.length > 0) return { errors: r.errors };
        const id = r.external || r.namespace !== "file" ? undefined : ids.get(r.path);
        return id === undefined ? r : { path: String(id), namespace: "shared-stand-in" };
      });
      b.onLoad({ filter: /.*/, namespace: "shared-stand-in" }, (a) => ({
        contents: `const shared = globalThis[${sharedTableKey}];\nif (shared === undefined) throw new Error("chime: a job bundle runs inside chime.cjs only");\nmodule.exports = shared(${a.path});`,
        loader: "js",
      }));
    },
  };
}

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  // V8 keeps a bundle's whole source in memory for lazy compilation, as two bytes per character
  // if a single character is not ASCII (a dependency's comment was enough: chime.cjs took 1.7 MB
  // of heap). Without whitespace and comments the text is ASCII (esbuild escapes the rest) and
  // ~40% smaller. Identifiers are kept, so stack traces still name functions; positions map
  // back through the .map file (`node --enable-source-maps`).
  minifyWhitespace: true,
  logLevel: "warning",
  // import.meta.url has no CJS meaning; the few modules that need their own path get it here
  // (every bundle sits two directories below the package root: dist/bin, dist/jobs).
  define: { "import.meta.url": "__chime_import_meta_url", __CHIME_VERSION__: JSON.stringify(version) },
  banner: { js: "const __chime_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
};

// The user bundles: chime.cjs (its jobs cut off) and one per job. A first pass only lists their modules.
const users = {
  chime: { entryPoints: [join(entryDir, "chime.ts")], plugins: [unusedPinoParts, jobsAsBundles] },
  ...Object.fromEntries(jobNames.map((n) => [`job:${n}`, { entryPoints: [`src/jobs/${n}/spec.ts`], plugins: [unusedPinoParts] }])),
};
const usersOf = new Map(); // module path -> user bundle names
for (const [name, opts] of Object.entries(users)) {
  const { metafile } = await build({ ...common, ...opts, write: false, metafile: true, outdir: "dist/tmp" });
  for (const input of Object.keys(metafile.inputs)) {
    if (input.includes(":")) continue; // a plugin's stand-in, not a file
    const key = resolve(input); // inputs are relative to the working directory
    usersOf.set(key, [...(usersOf.get(key) ?? []), name]);
  }
}
// shared: used by chime.cjs and a job, or by two jobs (then chime.cjs holds it too, for the one copy)
const sharedPaths = [...usersOf]
  .filter(([, names]) => names.length >= 2)
  .map(([path]) => path)
  .sort();
const shared = new Map(sharedPaths.map((path, id) => [path, id]));

await rm("dist", { recursive: true, force: true });
const chimeEntry = resolve(entryDir, "chime.ts");
for (const [name, opts] of Object.entries(users)) {
  const outfile = name === "chime" ? join(outdir, "chime.cjs") : `dist/jobs/${name.slice("job:".length)}.cjs`;
  const plugins = name === "chime" ? [sharedTable(chimeEntry, shared), ...opts.plugins] : [sharedStandIns(shared), ...opts.plugins];
  await build({ ...common, ...opts, outfile, sourcemap: "linked", plugins });
}
// The rw-* tools stay self-contained: they run no job and start once per run-script pass.
const rwEntries = entries.filter((f) => f !== "chime.ts");
await build({
  ...common,
  entryPoints: rwEntries.map((f) => join(entryDir, f)),
  outdir,
  outExtension: { ".js": ".cjs" },
  sourcemap: "linked",
  plugins: [unusedPinoParts],
});
for (const f of entries) await chmod(join(outdir, f.replace(/\.ts$/, ".cjs")), 0o755);
// dns-blocklist's sort helper, a worker thread (src/jobs/dns-blocklist/key-sort-helper.ts):
// self-contained too, as a thread has none of chime.cjs's shared modules.
await build({
  ...common,
  entryPoints: ["src/jobs/dns-blocklist/helper-thread-program.ts"],
  outfile: "dist/jobs/dns-blocklist-helper.cjs",
  sourcemap: "linked",
});
