// The docs' option tables, generated from the declarations (issue 10 §4): chime's own options
// in docs/chime.md, each job's (from the registry) in docs/JOB.md. `npm run docs:options`
// rewrites them; test/options/docs-option-tables.test.ts fails when one is out of date.
import { readFile, writeFile } from "node:fs/promises";
import { OPTIONS as DAEMON_OPTIONS } from "../src/daemon/daemon-options.js";
import { ASN_OPTIONS } from "../src/cli/asn.js";
import { jobLoaders } from "../src/jobs/registry.js";
import { optionsMarkdown } from "../src/options/option-spec.js";

export interface OptionTable {
  readonly file: string;
  readonly name: string;
  readonly table: string;
}

export async function optionTables(): Promise<OptionTable[]> {
  const tables: OptionTable[] = [
    { file: "docs/chime.md", name: "chime", table: optionsMarkdown(DAEMON_OPTIONS) },
    { file: "docs/asn.md", name: "asn", table: optionsMarkdown(ASN_OPTIONS) },
  ];
  for (const [name, load] of Object.entries(jobLoaders)) {
    const options = (await load()).options ?? [];
    if (options.length > 0) tables.push({ file: `docs/${name}.md`, name, table: optionsMarkdown(options) });
  }
  return tables;
}

const begin = (name: string) => `<!-- options: ${name} (generated from the declaration by npm run docs:options) -->`;
const END = "<!-- /options -->";

/** `text` with the table between its markers replaced; null when the markers are missing. */
export function withTable(text: string, t: OptionTable): string | null {
  const b = text.indexOf(begin(t.name));
  const e = b < 0 ? -1 : text.indexOf(END, b);
  if (e < 0) return null;
  return `${text.slice(0, b)}${begin(t.name)}\n${t.table}${text.slice(e)}`;
}

/** Rewrites every table; returns the files that changed. */
export async function writeOptionTables(): Promise<string[]> {
  const changed: string[] = [];
  for (const t of await optionTables()) {
    const text = await readFile(t.file, "utf8");
    const next = withTable(text, t);
    if (next === null) throw new Error(`${t.file}: no "${begin(t.name)}" … "${END}" markers`);
    if (next !== text) {
      await writeFile(t.file, next);
      changed.push(t.file);
    }
  }
  return changed;
}
