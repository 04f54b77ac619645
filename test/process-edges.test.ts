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

test("one process runner: only process-runner.ts (and the group operations of process-group.ts) load node:child_process anywhere in src", () => {
  const loadsChildProcess =
    /from "(node:)?child_process"|import\("(node:)?child_process"\)|getBuiltinModule\("(node:)?child_process"\)|require\("(node:)?child_process"\)/;
  expect(sourcesMatching(loadsChildProcess)).toEqual(["src/jobs/process-group.ts", "src/jobs/process-runner.ts"]);
});
