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

// Interim: plain domain lists only, until the parsers, decide and guards are merged.
export function buildBlocklist(sources: readonly SourceText[], allowTexts: readonly string[], previous: number | undefined, limits: GuardLimits): BuildResult {
  const perSource: SourceCount[] = [];
  const names = new Set<string>();
  const networks = new Set<string>();
  for (const s of sources) {
    let entries = 0;
    for (const raw of s.text.split(/\r?\n/)) {
      const line = raw.replace(/#.*/, "").trim().toLowerCase().replace(/\.$/, "");
      if (line === "") continue;
      if (/^[\d.:/a-f]+$/.test(line) && (line.includes(":") || /^\d/.test(line))) networks.add(line);
      else names.add(line);
      entries++;
    }
    perSource.push({ shown: s.shown, entries, invalid: 0, firstInvalid: [] });
  }
  for (const t of allowTexts) for (const a of t.split(/\r?\n/)) names.delete(a.trim().toLowerCase());
  const out = [...names].sort();
  for (const n of limits.neverBlock) if (names.has(n)) return { ok: false, guard: "never_block", reason: `would block ${n}, which must never be blocked`, perSource };
  if (previous !== undefined && previous > 0) {
    if (out.length < previous * (1 - limits.maxShrinkPercent / 100)) return { ok: false, guard: "shrink", reason: `shrinks from ${previous} to ${out.length} names`, perSource };
    if (out.length > previous * (1 + limits.maxGrowthPercent / 100)) return { ok: false, guard: "growth", reason: `grows from ${previous} to ${out.length} names`, perSource };
  }
  return { ok: true, names: out, networks: [...networks].sort(), perSource };
}
