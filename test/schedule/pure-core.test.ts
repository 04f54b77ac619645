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
  return [
    ...code(text).matchAll(
      /\b(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']|\bimport\s+["']([^"']+)["']/g,
    ),
  ].map((m) => (m[1] ?? m[2] ?? m[3])!);
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
      .filter((l) =>
        /^(export\s+)?(let|var)\s|^(export\s+)?const\s+\w+(\s*:[^=]+)?\s*=\s*new\s+(Map|Set|WeakMap|Array)\b|^(export\s+)?const\s+\w+(\s*:[^=]+)?\s*=\s*\[\s*\]/.test(
          l,
        ),
      );
    expect(topLevel, path).toEqual([]);
  });
});

describe("the purity check itself", () => {
  it("catches the impurities it is about", () => {
    const impure = `import { realpathSync } from "node:fs";\nimport { x } from "../cli/local-zone.js";\nconst zones = new Map<string, number>();\nlet mode = 0;\nexport const f = () => Date.now() + new Date().getTime() + Number(process.env["TZ"]);\n`;
    expect(specifiers(impure)).toEqual(["node:fs", "../cli/local-zone.js"]);
    expect(/\bnew Date\s*\(\s*\)/.test(code(impure))).toBe(true);
    expect(/\bprocess\s*\./.test(code(impure))).toBe(true);
    expect(
      code(impure)
        .split("\n")
        .filter((l) => /^(export\s+)?(let|var)\s|^(export\s+)?const\s+\w+(\s*:[^=]+)?\s*=\s*new\s+(Map|Set|WeakMap|Array)\b/.test(l))
        .length,
    ).toBe(2);
  });
});

describe("a zone is a value that carries its own offsets", () => {
  it("a POSIX TZ rule works straight away, with no registration first", async () => {
    const { parseSchedule } = await import("../../src/schedule/schedule.js");
    const { zoneNamed } = await import("../../src/schedule/zone.js");
    // Berlin's rules as POSIX spells them; 2025-03-30 02:30 does not exist → 03:30 CEST = 01:30Z.
    const zone = zoneNamed("CET-1CEST,M3.5.0,M10.5.0/3");
    const got = parseSchedule(",H=2,M=30").next({ seconds: 1743292800, nanos: 0 }, zone); // 2025-03-30T00:00Z
    expect(got.seconds).toBe(1743298200); // 2025-03-30T01:30:00Z
  });

  it("two zones of the same name keep their own offset sources (no process-wide mode)", async () => {
    const { parseSchedule } = await import("../../src/schedule/schedule.js");
    const { zoneWithOffsets } = await import("../../src/schedule/zone.js");
    const plusOne = zoneWithOffsets("Somewhere", () => 3600);
    const plusTwo = zoneWithOffsets("Somewhere", () => 7200);
    const daily = parseSchedule(",H=12,M=0");
    const from = { seconds: 1767225600, nanos: 0 }; // 2026-01-01T00:00Z
    expect(daily.next(from, plusOne).seconds).toBe(1767225600 + 11 * 3600);
    expect(daily.next(from, plusTwo).seconds).toBe(1767225600 + 10 * 3600);
    expect(daily.next(from, plusOne).seconds).toBe(1767225600 + 11 * 3600);
  });
});
