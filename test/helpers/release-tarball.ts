/**
 * The release artifact as an operator gets it: `npm pack` of this checkout, and that tarball
 * installed with npm's own client into a prefix of its own, offline and with an empty cache, so
 * anything the package still wanted from a registry would fail the install.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly bin: Readonly<Record<string, string>>;
  readonly files: readonly string[];
  readonly scripts: Readonly<Record<string, string>>;
  readonly dependencies?: Readonly<Record<string, string>>;
}

export const packageJson = (dir = "."): PackageJson => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageJson;

/**
 * `npm pack` into `destDir`; returns the tarball's path and the files npm put in it.
 * `--ignore-scripts`: prepack would rebuild dist/ under the feet of the other test files
 * running at the same time; `npm test` has built it moments ago (pretest).
 */
export function packRelease(destDir: string): { tarball: string; files: string[] } {
  const pkg = packageJson();
  for (const bin of Object.values(pkg.bin)) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build first`);
  }
  mkdirSync(destDir, { recursive: true });
  const out = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", destDir], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 120_000,
  });
  const [info] = JSON.parse(out) as [{ filename: string; files: { path: string }[] }];
  return { tarball: join(destDir, info.filename), files: info.files.map((f) => f.path) };
}

/**
 * `npm install -g --offline` of the tarball into `prefix`, with a cache of its own that starts
 * empty: the host has Node and npm and no network. Returns npm's combined output.
 */
export function installRelease(tarball: string, prefix: string): string {
  const cache = join(dirname(prefix), "npm-cache");
  return execFileSync(
    "npm",
    ["install", "--global", "--offline", "--no-audit", "--no-fund", "--cache", cache, "--prefix", prefix, tarball],
    { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000, env: npmEnvOutsideThisProject() },
  );
}

/**
 * Under `npm test`, npm exports npm_config_* (this project's settings) and npm_package_*; an
 * operator's install sees none of them.
 */
export function npmEnvOutsideThisProject(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_/i.test(k)) env[k] = v;
  }
  return env;
}

/**
 * A release of this checkout under another version number, built and packed the way a release
 * is (scripts/build.mjs embeds the version in the bundles, so `chime --version` tells the two
 * apart): for upgrades and roll-backs. Built in a copy under `workDir`, never in the checkout,
 * whose dist/ other tests are using.
 */
export function packReleaseAs(version: string, workDir: string, destDir: string): string {
  const tree = join(workDir, `chime-${version}-tree`);
  mkdirSync(tree, { recursive: true });
  for (const part of ["src", "scripts", "service", "log", "docs", "README.md"]) cpSync(part, join(tree, part), { recursive: true });
  symlinkSync(resolve("node_modules"), join(tree, "node_modules"));
  const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
  writeFileSync(join(tree, "package.json"), JSON.stringify({ ...pkg, version }, null, 2) + "\n");
  execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: tree, stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
  mkdirSync(destDir, { recursive: true });
  const out = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", destDir], {
    cwd: tree,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 120_000,
    env: npmEnvOutsideThisProject(),
  });
  const [info] = JSON.parse(out) as [{ filename: string }];
  return join(destDir, info.filename);
}
