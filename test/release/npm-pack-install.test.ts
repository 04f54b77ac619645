/**
 * The release artifact (issue 11 §6): the tarball `npm pack` makes installs on a host with Node
 * and npm but no registry, builds nothing at install time, and every program runs from the
 * installed copy.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installRelease, packageJson, packRelease, type PackageJson } from "../helpers/release-tarball.js";
import { requires } from "../support/requires.js";

let base: string;
let tarball: string;
let packed: string[];
let prefix: string;
let installed: string; // prefix/lib/node_modules/chime
const pkg = packageJson();

/** A program of the installed copy, found the way a shell finds it: on PATH from prefix/bin. */
function run(program: string, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(program, args, {
    cwd: base, // not the checkout: nothing may come from it
    encoding: "utf8",
    timeout: 60_000,
    env: { PATH: [join(prefix, "bin"), dirname(process.execPath), "/usr/bin", "/bin"].join(delimiter), TZ: "UTC", ...env },
  });
}

describe("npm pack → npm install --global --offline → run", () => {
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), "chime-release-"));
    ({ tarball, files: packed } = packRelease(join(base, "pack")));
    prefix = join(base, "prefix");
    installRelease(tarball, prefix);
    installed = join(prefix, "lib", "node_modules", pkg.name);
  });

  afterAll(() => {
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it("packs the prebuilt bundles, the templates and the docs, and no sources", () => {
    expect(tarball.endsWith(`${pkg.name}-${pkg.version}.tgz`)).toBe(true);
    for (const bin of Object.values(pkg.bin)) expect(packed).toContain(bin.replace(/^\.\//, ""));
    expect(packed).toContain("service/exec-example/run");
    expect(packed).toContain("log/run");
    expect(packed).toContain("docs/operations.md");
    expect(packed.filter((f) => /^(src|test|scripts)\//.test(f))).toEqual([]);
  });

  it("has nothing to fetch and nothing to run at install time", () => {
    // npm runs these on install (docs.npmjs.com, "scripts": preinstall, install, postinstall;
    // prepare for git and directory installs); the build would need devDependencies.
    const inTarball = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as PackageJson;
    for (const script of ["preinstall", "install", "postinstall", "prepare"]) expect(inTarball.scripts[script]).toBeUndefined();
    expect(inTarball.dependencies ?? {}).toEqual({});
    // the install above ran offline with an empty cache: a dependency would have failed it
    expect(existsSync(join(installed, "node_modules"))).toBe(false);
  });

  it("links every program into prefix/bin, and chime --version reports package.json's version", () => {
    for (const name of Object.keys(pkg.bin)) expect(existsSync(join(prefix, "bin", name))).toBe(true);
    const r = run("chime", ["--version"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(`chime ${pkg.version}`);
  });

  it("rw-match from the installed copy answers as runwhen does", () => {
    // 2021-01-01T00:00:30Z as a runwhen stamp: 2^62 + unix + 37 leap-adjusted seconds
    // (DESIGN.md §4); ",M=0" is the next full hour, 01:00:00Z, in the same convention.
    const label = (unix: bigint) => (2n ** 62n + unix + 37n).toString(16).padStart(16, "0") + "00000000";
    const r = run("rw-match", [`@${label(1609459230n)}`, ",M=0"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${label(1609462800n)}\n`);
  });

  it("runs a job once from the installed copy", () => {
    const r = run("chime", ["exec", "--", "/bin/echo", "hello-from-the-tarball"]);
    expect(r.status).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/ exec stdout=hello-from-the-tarball\n/);
    expect(r.stdout + r.stderr).toMatch(/ exec run ok: exit 0/);
  });

  requires("node 22").it("runs on Node 22 as well", () => {
    const node22 = process.env["CHIME_TEST_NODE22"] as string;
    const chime = join(installed, pkg.bin["chime"] as string);
    const version = spawnSync(node22, [chime, "--version"], { cwd: base, encoding: "utf8", timeout: 60_000 });
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(`chime ${pkg.version}`);
    const once = spawnSync(node22, [chime, "exec", "--", "/bin/echo", "on-22"], { cwd: base, encoding: "utf8", timeout: 60_000 });
    expect(once.status).toBe(0);
    expect(once.stdout + once.stderr).toMatch(/ exec stdout=on-22\n/);
  });
});
