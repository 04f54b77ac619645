/**
 * DESIGN.md §layers: src/time and src/schedule are pure functions of their inputs — no I/O, no
 * clock, no environment, no mutable module state; the zone arrives as a value resolved at the
 * edge. Checked on the source text, so a change that breaks the rule fails here by name.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const CORE = ["src/time", "src/schedule"];
/** node: modules that compute and touch nothing outside the process's own memory */
const PURE_NODE = new Set(["node:util", "node:assert", "node:buffer", "node:string_decoder", "node:crypto"]);

const files = CORE.flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => ({ path: join(dir, f), text: readFileSync(join(dir, f), "utf8") })),
);

/** The code without comments and string/regex contents that could mention the names. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

/** Every module specifier a file imports or re-exports. */
function specifiers(text: string): string[] {
  return [...code(text).matchAll(/\b(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']|\bimport\s+["']([^"']+)["']/g)].map(
    (m) => (m[1] ?? m[2] ?? m[3])!,
  );
}

describe("the scheduling core is pure (src/time, src/schedule)", () => {
  it("has files to check", () => {
    expect(files.length).toBeGreaterThan(15);
  });

  it.each(files.map((f) => [f.path, f.text]))("%s imports only from the core and pure node: modules", (path, text) => {
    const bad = specifiers(text).filter((s) => {
      if (PURE_NODE.has(s)) return false;
      if (s.startsWith("./")) return false;
      if (/^\.\.\/(time|schedule)\//.test(s)) return false;
      return true;
    });
    expect(bad, path).toEqual([]);
  });

  it.each(files.map((f) => [f.path, f.text]))("%s reads no clock, environment, process or file", (path, text) => {
    const c = code(text);
    const found = [
      /\bDate\.now\s*\(/,
      /\bnew Date\s*\(\s*\)/,
      /\bprocess\s*\./,
      /\brequire\s*\(/,
      /\bperformance\s*\./,
      /\bMath\.random\s*\(/,
      /\bIntl\.DateTimeFormat\s*\(\s*\)/, // the system zone
      /\bsetTimeout\s*\(|\bsetInterval\s*\(/,
    ].filter((re) => re.test(c));
    expect(found.map(String), path).toEqual([]);
  });

  it.each(files.map((f) => [f.path, f.text]))("%s holds no mutable module state", (path, text) => {
    // Top level only: lines without indentation. Caches belong inside the values that own them.
    const topLevel = code(text)
      .split("\n")
      .filter((l) => /^(export\s+)?(let|var)\s|^(export\s+)?const\s+\w+(\s*:[^=]+)?\s*=\s*new\s+(Map|Set|WeakMap|Array)\b|^(export\s+)?const\s+\w+(\s*:[^=]+)?\s*=\s*\[\s*\]/.test(l));
    expect(topLevel, path).toEqual([]);
  });
});

describe("the purity check itself", () => {
  it("catches the impurities it is about", () => {
    const impure = `import { realpathSync } from "node:fs";\nimport { x } from "../cli/local-zone.js";\nconst zones = new Map<string, number>();\nlet mode = 0;\nexport const f = () => Date.now() + new Date().getTime() + Number(process.env["TZ"]);\n`;
    expect(specifiers(impure)).toEqual(["node:fs", "../cli/local-zone.js"]);
    expect(/\bnew Date\s*\(\s*\)/.test(code(impure))).toBe(true);
    expect(/\bprocess\s*\./.test(code(impure))).toBe(true);
    expect(code(impure).split("\n").filter((l) => /^(export\s+)?(let|var)\s|^(export\s+)?const\s+\w+(\s*:[^=]+)?\s*=\s*new\s+(Map|Set|WeakMap|Array)\b/.test(l)).length).toBe(2);
  });
});
