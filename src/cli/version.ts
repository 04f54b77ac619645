import { readFileSync } from "node:fs";

/**
 * chime's version, from package.json. The build embeds it as a constant (scripts/build.mjs), so
 * the bundle needs no package.json at run time; run from source (tests), it is read from the file.
 */
declare const __CHIME_VERSION__: string | undefined;

function fromPackageJson(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: unknown };
  return typeof pkg.version === "string" ? pkg.version : "unknown";
}

export const CHIME_VERSION: string = typeof __CHIME_VERSION__ === "string" ? __CHIME_VERSION__ : fromPackageJson();
