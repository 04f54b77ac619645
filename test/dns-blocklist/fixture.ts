import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseList, type ParsedList } from "../../src/jobs/dns-blocklist/parse-list.js";

/** A fixture of test/dns-blocklist/fixtures, parsed. */
export function parsedFixture(name: string): ParsedList {
  const path = join(import.meta.dirname, "fixtures", name);
  return parseList(readFileSync(path, "utf8"), path);
}

/** The line numbers of a fixture's refused entries, from firstInvalid (at most five). */
export const invalidLines = (p: ParsedList): number[] => p.firstInvalid.map((i) => i.line);
