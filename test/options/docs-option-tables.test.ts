// Issue 10 §4: the docs' option tables come from the declarations. Each table in docs/ is the
// one `npm run docs:options` writes from today's declaration; a declaration changed without
// the docs (or the reverse) fails here.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { optionTables, withTable } from "../../scripts/option-tables.js";
import { CHIME_USAGE } from "../../src/cli/chime-usage.js";
import { OPTIONS as DAEMON_OPTIONS } from "../../src/daemon/daemon-options.js";
import { jobLoaders } from "../../src/jobs/registry.js";
import { optionsHelp } from "../../src/options/option-spec.js";

const tables = await optionTables();

describe("docs/ option tables match the declarations", () => {
  it.each(tables.map((t) => [t.file, t] as const))("%s", (file, t) => {
    const text = readFileSync(file, "utf8");
    const current = withTable(text, t);
    expect(current, `${file} has no options markers for ${t.name}`).not.toBeNull();
    expect(text, `${file} is out of date: run npm run docs:options`).toBe(current);
  });

  it("every job of the registry that declares options has its table, and chime and chime asn their own", async () => {
    const withOptions: string[] = [];
    for (const [name, load] of Object.entries(jobLoaders)) if (((await load()).options ?? []).length > 0) withOptions.push(name);
    expect(withOptions.length).toBeGreaterThan(0);
    expect(tables.map((t) => t.name).sort()).toEqual(["chime", "asn", ...withOptions].sort());
  });
});

describe("--help shows the same declarations", () => {
  it("each job's --help holds its declared options table", async () => {
    for (const load of Object.values(jobLoaders)) {
      const spec = await load();
      if ((spec.options ?? []).length > 0) expect(spec.help).toContain(optionsHelp(spec.options!));
    }
  });

  it("chime --help holds the daemon's", () => {
    expect(CHIME_USAGE).toContain(optionsHelp(DAEMON_OPTIONS));
  });
});
