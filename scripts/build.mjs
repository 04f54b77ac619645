// Build: self-contained CommonJS bundles, one per command-line program, plus one per job.
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
// Why shared modules live in dist/lib and not in each bundle: a module that chime.cjs and a job
// (or two jobs) both use must exist once, or the copies' classes and module state differ
// (`instanceof JobConfigError`, `NetworkReadError`, `ConfigError` across the boundary; the
// logger's and the process runner's state). Comparing errors by name would cover the classes
// but not the state, so every module with more than one user bundle is built into one
// shared file (runtime.cjs: also used by chime.cjs; jobs-common.cjs: used by two or more jobs
// only) and each user bundle gets a one-line stand-in that requires it from there. Inside the
// shared file each module is still initialised on first use.
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
      "sonic-boom": "module.exports = class SonicBoom { constructor() { throw new Error('chime: pino destinations are not bundled; pass a stream'); } };",
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
    b.onLoad({ filter: /.*/, namespace: "job-bundle" }, (a) => ({ contents: `module.exports = require(${JSON.stringify(`../jobs/${a.path}.cjs`)});`, loader: "js" }));
    b.onResolve({ filter: /^\.\.\/jobs\/[a-z0-9-]+\.cjs$/ }, (a) => ({ path: a.path, external: true }));
  },
};

/**
 * The modules jobs share with chime.cjs (or with each other) exist once, in chime.cjs: its entry
 * first runs a table that hands them out by path (each initialised on first use), and a job
 * bundle gets a one-line stand-in for each of them that takes it from the table.
 */
const sharedTableKey = 'Symbol.for("chime.shared-modules")';
function sharedTable(entry, keys) {
  return {
    name: "shared-table",
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (a) =>
        resolve(a.path) === entry ? { contents: firstImport(await readFile(a.path, "utf8"), 'import "chime:shared-table";'), loader: "ts" } : undefined,
      );
      b.onResolve({ filter: /^chime:shared-table$/ }, () => ({ path: "shared-table", namespace: "shared-table" }));
      b.onLoad({ filter: /.*/, namespace: "shared-table" }, () => ({
        // require() of an ES module inside a bundle initialises it on the first call, not at load
        contents: `const modules = {\n${keys.map((k) => `${JSON.stringify(k)}: () => require(${JSON.stringify(`./${k}`)}),`).join("\n")}\n};\nglobalThis[${sharedTableKey}] = (key) => modules[key]();`,
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
function sharedStandIns(keys) {
  return {
    name: "shared-stand-ins",
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (a) => {
        if (a.pluginData === "shared-stand-ins" || a.namespace !== "file" || a.kind === "entry-point") return undefined;
        const r = await b.resolve(a.path, { kind: a.kind, importer: a.importer, resolveDir: a.resolveDir, pluginData: "shared-stand-ins" });
        if (r.errors.length > 0) return { errors: r.errors };
        if (r.external || r.namespace !== "file" || !keys.has(relativeKey(r.path))) return r;
        return { path: relativeKey(r.path), namespace: "shared-stand-in" };
      });
      b.onLoad({ filter: /.*/, namespace: "shared-stand-in" }, (a) => ({
        contents: `const shared = globalThis[${sharedTableKey}];\nif (shared === undefined) throw new Error("chime: a job bundle runs inside chime.cjs only");\nmodule.exports = shared(${JSON.stringify(a.path)});`,
        loader: "js",
      }));
    },
  };
}

function relativeKey(path) {
  return resolve(path).slice(process.cwd().length + 1).replaceAll("\\", "/");
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
  // (every bundle sits two directories below the package root, dist/bin, dist/jobs, dist/lib).
  define: { "import.meta.url": "__chime_import_meta_url", __CHIME_VERSION__: JSON.stringify(version) },
  banner: { js: "const __chime_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
};

// The user bundles: chime.cjs (its jobs cut off) and one per job. A first pass only lists their modules.
const users = {
  chime: { entryPoints: [join(entryDir, "chime.ts")], plugins: [unusedPinoParts, jobsAsBundles] },
  ...Object.fromEntries(jobNames.map((n) => [`job:${n}`, { entryPoints: [`src/jobs/${n}/spec.ts`], plugins: [unusedPinoParts] }])),
};
const usersOf = new Map(); // module key -> user bundle names
for (const [name, opts] of Object.entries(users)) {
  const { metafile } = await build({ ...common, ...opts, write: false, metafile: true, outdir: "dist/tmp" });
  for (const input of Object.keys(metafile.inputs)) {
    if (input.includes(":")) continue; // a plugin's stand-in, not a file
    const key = relativeKey(input);
    usersOf.set(key, [...(usersOf.get(key) ?? []), name]);
  }
}
// shared: used by chime.cjs and a job, or by two jobs (then chime.cjs holds it too, for the one copy)
const shared = new Set([...usersOf].filter(([, names]) => names.length >= 2).map(([key]) => key));

await rm("dist", { recursive: true, force: true });
const chimeEntry = resolve(entryDir, "chime.ts");
for (const [name, opts] of Object.entries(users)) {
  const outfile = name === "chime" ? join(outdir, "chime.cjs") : `dist/jobs/${name.slice("job:".length)}.cjs`;
  const plugins = name === "chime" ? [sharedTable(chimeEntry, [...shared].sort()), ...opts.plugins] : [sharedStandIns(shared), ...opts.plugins];
  await build({ ...common, ...opts, outfile, sourcemap: "linked", plugins });
}
// The rw-* tools stay self-contained: they run no job and start once per run-script pass.
const rwEntries = entries.filter((f) => f !== "chime.ts");
await build({ ...common, entryPoints: rwEntries.map((f) => join(entryDir, f)), outdir, outExtension: { ".js": ".cjs" }, sourcemap: "linked", plugins: [unusedPinoParts] });
for (const f of entries) await chmod(join(outdir, f.replace(/\.ts$/, ".cjs")), 0o755);
