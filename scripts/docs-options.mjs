// `npm run docs:options`: rewrites the option tables of docs/ from the declarations
// (scripts/option-tables.ts, bundled by esbuild as scripts/bench.mjs does: Node runs no TS).
import { build } from "esbuild";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

// Inside node_modules so that bare imports in the bundle resolve to the project's packages.
const out = resolve("node_modules/.chime-docs");
await mkdir(out, { recursive: true });
const outfile = join(out, "option-tables.mjs");
await build({
  entryPoints: ["scripts/option-tables.ts"],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  packages: "external",
  logLevel: "warning",
});
const { writeOptionTables } = await import(pathToFileURL(outfile).href);
const changed = await writeOptionTables();
console.log(changed.length === 0 ? "docs: option tables are current" : `docs: rewrote the option tables of ${changed.join(", ")}`);
