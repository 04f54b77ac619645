/**
 * deploy/prometheus/chime.rules.yml (issue 11 §2): valid for Prometheus (`promtool check
 * rules`), each alert firing when it should and not before (`promtool test rules` with
 * chime.rules.test.yml), and asking only for chime_job_* metrics that chime writes.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { MetricsStateStore } from "../../src/daemon/job-metrics.js";
import { tempDir } from "../cli/chime-spawn.js";
import { MemoryStateStore } from "../support/memory-state-store.js";
import { requires } from "../support/requires.js";

const RULES_DIR = resolve("deploy/prometheus");
const withPromtool = requires("promtool");

function promtool(...args: string[]) {
  return spawnSync("promtool", args, { cwd: RULES_DIR, encoding: "utf8", timeout: 60_000 });
}

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir("chime-rules-");
});
afterAll(async () => {
  await tmp.cleanup();
});

withPromtool.describe("the shipped Prometheus rules", () => {
  withPromtool.it("promtool check rules: valid, every alert named", () => {
    const r = promtool("check", "rules", "chime.rules.yml");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("SUCCESS: 8 rules found");
  });

  withPromtool.it("promtool test rules: every unit test passes", () => {
    const r = promtool("test", "rules", "chime.rules.test.yml");
    expect(r.stdout + r.stderr).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });

  withPromtool.it("the unit tests bite: one expectation changed makes promtool fail", () => {
    copyFileSync(join(RULES_DIR, "chime.rules.yml"), join(tmp.dir, "chime.rules.yml"));
    const tests = readFileSync(join(RULES_DIR, "chime.rules.test.yml"), "utf8");
    expect(tests).toContain("passed 21m 0s ago");
    writeFileSync(join(tmp.dir, "changed.test.yml"), tests.replace("passed 21m 0s ago", "passed 22m 0s ago"));
    const r = spawnSync("promtool", ["test", "rules", "changed.test.yml"], { cwd: tmp.dir, encoding: "utf8", timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toContain("ChimeJobOverdue");
  });
});

it("every chime_job_* metric a rule reads is one --metrics-file writes", () => {
  const rules = readFileSync(join(RULES_DIR, "chime.rules.yml"), "utf8");
  const asked = new Set(rules.match(/\bchime_job_[a-z_]+/g));
  expect(asked.size).toBeGreaterThanOrEqual(5);
  const written = new Set(new MetricsStateStore(new MemoryStateStore(), "unused.prom", () => {}).families().map((f) => f.name));
  for (const name of asked) expect(written, name).toContain(name);
});
