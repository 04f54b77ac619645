import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";

/** src/**.ts whose text matches `pattern`, sorted. */
function sourcesMatching(pattern: RegExp): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith(".ts") && pattern.test(readFileSync(p, "utf8"))) found.push(p);
    }
  };
  walk("src");
  return found.sort();
}

test("the environment is read only at the edge: the bins pass it on as a parameter (STYLE.md: inject the environment)", () => {
  expect(sourcesMatching(/process\.env\b/)).toEqual(["src/cli/bin/chime.ts", "src/cli/rw-main.ts"]);
});
