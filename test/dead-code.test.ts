/**
 * Issue 10 §6: dead exports removed and one error class per condition. The export check scans
 * the pure core (src/time, src/schedule), where every value export must serve another module;
 * the named leftovers of the review must stay gone everywhere in src.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/daemon/build-job.js";
import { JobConfigError } from "../src/jobs/job.js";

const tsFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
const src = tsFiles("src").map((path) => ({ path, text: readFileSync(path, "utf8") }));
const tests = tsFiles("test").map((path) => ({ path, text: readFileSync(path, "utf8") }));

describe("dead exports", () => {
  it("compareInstants, MemoryStateStore and parseLogLabel are not in the product", () => {
    const found = src.filter((f) => /\b(compareInstants|MemoryStateStore|parseLogLabel)\b/.test(f.text)).map((f) => f.path);
    expect(found).toEqual([]);
  });

  // A test of the module's own spec counts (logLabel is what tai64n-daemontools checks against
  // Debian's tai64nlocal); an export nothing reads at all is dead.
  it("every value the core exports is read by another module of src or by a test", () => {
    const unused: string[] = [];
    for (const f of src.filter((f) => /^src\/(time|schedule)\//.test(f.path))) {
      for (const m of f.text.matchAll(/^export\s+(?:async\s+)?(?:function|class|const)\s+(\w+)/gm)) {
        const name = m[1]!;
        const users = [...src, ...tests].filter((g) => g.path !== f.path && new RegExp(`\\b${name}\\b`).test(g.text));
        if (users.length === 0) unused.push(`${f.path}: ${name}`);
      }
    }
    expect(unused).toEqual([]);
  });
});

describe("error classes", () => {
  it("a job's bad option and the daemon's bad setting are one class (exit 100, refuse to start)", () => {
    expect(new JobConfigError("x")).toBeInstanceOf(ConfigError);
    expect(ConfigError).toBe(JobConfigError);
  });

  it("the command-line programs fail through Fatal alone (no RunError)", () => {
    const classes = src.flatMap((f) => [...f.text.matchAll(/^export class (\w+) extends Error\b/gm)].map((m) => m[1]));
    expect(classes).not.toContain("RunError");
    expect(classes.filter((c) => c === "ConfigError")).toEqual([]);
  });
});
