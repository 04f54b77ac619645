import { parseAllowlist } from "./allowlist.js";
import { addAllowlist, decideTable, type Decision } from "./decide.js";
import { checkGuards, type GuardLimits, type NeverBlock } from "./guards.js";
import type { HelperThread } from "./helper-thread.js";
import { NameTable } from "./name-table.js";
import { SortedEntries } from "./sorted-entries.js";
import { ListParser, type ParsedList } from "./parse-list.js";

/**
 * Steps 2 and 3 of a run as the rest of the job sees them: the texts of the sources in, the
 * decision to apply out, or a guard's refusal. The parsing, deciding and guarding themselves
 * are parse-list.ts, allowlist.ts, decide.ts and guards.ts; this module only feeds them.
 */
export interface SourceText {
  shown: string;
  /** its size, to size the name table once */
  bytes: number;
  /**
   * its text (UTF-8 bytes, or strings), in pieces as it is read; `shared`: on shared memory if
   * it can be (the run has a helper thread, which then reads them where they are)
   */
  pieces: (shared: boolean) => AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;
}

export interface SourceCount {
  shown: string;
  /** names and networks the source's copy in use carried */
  entries: number;
  invalid: number;
  /** the first few invalid lines, "line N: why" */
  firstInvalid: string[];
}

export type GuardName = "shrink" | "growth" | "never-block";

export interface BuildInput {
  sources: readonly SourceText[];
  /** the --allow files' texts, by path */
  allow: readonly { path: string; text: string }[];
  /** entries (names + networks) of the version served; undefined before the first */
  previousEntries: number | undefined;
  limits: GuardLimits;
  neverBlock: readonly NeverBlock[];
}

export type BuildResult =
  | { ok: true; decision: Decision; perSource: SourceCount[]; allowInvalid: string[] }
  | { ok: false; guard: GuardName; reason: string; perSource: SourceCount[]; allowInvalid: string[] };

/**
 * `helper`: the run's helper thread (helper-thread.ts, HelperThread.forRun), if it has one:
 * then the table is on shared memory and the sort runs on two threads.
 */
export async function buildBlocklist(input: BuildInput, helper?: HelperThread): Promise<BuildResult> {
  // one table for every name of the run, sized for the lists' text (a name is never longer
  // than its line)
  const table = new NameTable(
    input.sources.reduce((n, s) => n + s.bytes, 0),
    helper !== undefined,
  );
  const parsed: ParsedList[] = [];
  for (const s of input.sources) {
    const parser = new ListParser(s.shown, table, helper);
    for await (const piece of s.pieces(helper !== undefined)) parser.push(piece);
    parsed.push(parser.end());
  }
  const perSource = parsed.map((p, i) => ({
    shown: input.sources[i]!.shown,
    entries: p.nameCount + p.networks.length,
    invalid: p.invalid,
    firstInvalid: p.firstInvalid.map((x) => `line ${x.line}: ${x.reason}`),
  }));
  const allowInvalid: string[] = [];
  for (const a of input.allow) {
    const p = parseAllowlist(a.text);
    addAllowlist(table, p.allowlist);
    for (const x of p.firstInvalid) allowInvalid.push(`${a.path} line ${x.line}: ${x.reason}`);
  }
  const decision = decideTable(
    table,
    parsed.flatMap((p) => p.networks),
    helper,
  );
  const verdict = checkGuards(
    {
      previous: input.previousEntries,
      names: new SortedEntries(table, decision.blocked),
      carveOuts: new SortedEntries(table, decision.carved),
      networks: decision.networks,
      neverBlock: input.neverBlock,
    },
    input.limits,
  );
  if (!verdict.apply) return { ok: false, guard: verdict.guard, reason: verdict.reason, perSource, allowInvalid };
  return { ok: true, decision, perSource, allowInvalid };
}
