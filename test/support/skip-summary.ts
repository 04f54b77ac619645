/**
 * A vitest reporter that ends the run with one line for every test skipped by
 * test/support/requires.ts: how many, what was missing, and the command that installs it:
 *
 *   skipped 31 tests: svscan, chronyd not installed; not root — apt-get install daemontools chrony; run as root
 *
 * Under CHIME_TEST_REQUIRE_ALL the gates fail instead of skipping; should a skip still get
 * through, this reporter fails the run.
 */
import type { Reporter, TestModule } from "vitest/node";
import { REQUIRE_ALL_VARIABLE, requireAll } from "./require-all.js";
import type { MissingRequirement } from "./requires.js";

/** "svscan, chronyd not installed; not root — apt-get install daemontools chrony; run as root" */
export function summariseMissing(all: readonly MissingRequirement[]): string {
  const notInstalled: string[] = [];
  const other: string[] = [];
  const packages: string[] = [];
  const otherRemedies: string[] = [];
  const add = (list: string[], v: string): void => {
    if (!list.includes(v)) list.push(v);
  };
  for (const m of all) {
    const program = / not installed$/.exec(m.reason) ? m.reason.replace(/ not installed$/, "") : undefined;
    add(program === undefined ? other : notInstalled, program ?? m.reason);
    const apt = /^apt-get install (.+)$/.exec(m.remedy);
    if (apt) for (const p of apt[1]!.split(" ")) add(packages, p);
    else add(otherRemedies, m.remedy);
  }
  const reasons = [...(notInstalled.length > 0 ? [`${notInstalled.join(", ")} not installed`] : []), ...other];
  const remedies = [...(packages.length > 0 ? [`apt-get install ${packages.join(" ")}`] : []), ...otherRemedies];
  return `${reasons.join("; ")} — ${remedies.join("; ")}`;
}

export default class SkipSummary implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let count = 0;
    const all: MissingRequirement[] = [];
    const files = new Set<string>();
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const lack = test.meta().requires;
        if (lack === undefined || lack.length === 0 || test.result().state !== "skipped") continue;
        count++;
        all.push(...lack);
        files.add(mod.relativeModuleId);
      }
    }
    if (count === 0) return;
    const line = `skipped ${count} test${count === 1 ? "" : "s"} in ${files.size} file${files.size === 1 ? "" : "s"}: ${summariseMissing(all)}`;
    process.stdout.write(`\n${line}\n`);
    if (requireAll()) {
      process.stdout.write(`${REQUIRE_ALL_VARIABLE} is set: a skipped test is a failure\n`);
      process.exitCode = 1;
    }
  }
}
