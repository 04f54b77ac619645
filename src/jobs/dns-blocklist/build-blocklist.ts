import { parseList } from "./parse-list.js";

/**
 * Steps 2 and 3 of a run, as the rest of the job sees them: the texts of the sources in, the
 * names and networks to block out, or a guard's refusal. The parsing, deciding and guarding
 * themselves live in parse-list.ts, decide.ts and guards.ts; this module only feeds them.
 */
export interface SourceText {
  shown: string;
  text: string;
}

export interface SourceCount {
  shown: string;
  entries: number;
  invalid: number;
  /** the first few invalid lines, "line N: text" */
  firstInvalid: string[];
}

export interface GuardLimits {
  maxShrinkPercent: number;
  maxGrowthPercent: number;
  /** names that must never be blocked: the sources' hosts, the resolver's own names, --protect */
  neverBlock: readonly string[];
}

export type GuardName = "shrink" | "growth" | "never_block";

export type BuildResult =
  | { ok: true; names: string[]; networks: string[]; perSource: SourceCount[] }
  | { ok: false; guard: GuardName; reason: string; perSource: SourceCount[] };

// Interim: union and the guards written here until decide.ts and guards.ts are merged.
export function buildBlocklist(sources: readonly SourceText[], allowTexts: readonly string[], previous: number | undefined, limits: GuardLimits): BuildResult {
  const perSource: SourceCount[] = [];
  const names = new Set<string>();
  const networks = new Set<string>();
  const exceptions = new Set<string>();
  for (const s of sources) {
    const parsed = parseList(s.text, s.shown);
    for (const n of parsed.names) names.add(n);
    for (const n of parsed.networks) networks.add(n);
    for (const n of parsed.exceptions) exceptions.add(n);
    perSource.push({
      shown: s.shown,
      entries: parsed.names.length + parsed.networks.length,
      invalid: parsed.invalid,
      firstInvalid: parsed.firstInvalid.map((i) => `line ${i.line}: ${i.reason}`),
    });
  }
  for (const t of allowTexts) for (const n of parseList(t, "--allow").names) exceptions.add(n);
  for (const n of exceptions) names.delete(n);
  const out = [...names].sort();
  for (const n of limits.neverBlock) if (names.has(n)) return { ok: false, guard: "never_block", reason: `would block ${n}, which must never be blocked`, perSource };
  if (previous !== undefined && previous > 0) {
    if (out.length < previous * (1 - limits.maxShrinkPercent / 100)) return { ok: false, guard: "shrink", reason: `shrinks from ${previous} to ${out.length} names`, perSource };
    if (out.length > previous * (1 + limits.maxGrowthPercent / 100)) return { ok: false, guard: "growth", reason: `grows from ${previous} to ${out.length} names`, perSource };
  }
  return { ok: true, names: out, networks: [...networks].sort(), perSource };
}
