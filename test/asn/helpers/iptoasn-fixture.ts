/**
 * Generated tables in the iptoasn TSV format (range_start, range_end, AS_number, country_code,
 * AS_description), with the ranges kept beside so tests and benches can check lookups against
 * a plain scan.
 */
export interface FixtureRange {
  readonly start: number;
  readonly end: number;
  readonly asn: number;
  readonly cc: string;
  readonly name: string;
}

const v4 = (n: number): string => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

/** A deterministic pseudo-random generator (mulberry32), so a failing case can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` disjoint IPv4 ranges with gaps between them; every 10th is "Not routed" (AS 0). Like
 * the published table (about 75 000 ASes over 500 000+ ranges), an AS holds several ranges, often
 * next to each other, and its name is the same on each.
 */
export function generateV4Ranges(count: number, seed = 1): FixtureRange[] {
  const rnd = seeded(seed);
  const out: FixtureRange[] = [];
  const span = Math.floor(0xfffffff0 / count);
  const ccs = ["US", "DE", "NL", "JP", "BR", "ZA", "AU", "None"];
  for (let i = 0; i < count; i++) {
    const base = 16 + i * span;
    const start = base + Math.floor(rnd() * (span / 4));
    const end = start + Math.floor(rnd() * (span / 2));
    const routed = i % 10 !== 0;
    const asn = routed ? 1 + (((i >> 2) * 7919) % 75_000) : 0;
    out.push({ start, end, asn, cc: routed ? ccs[asn % 7]! : "None", name: routed ? `AS-NAME-${asn} - Example Net ${asn}` : "Not routed" });
  }
  return out;
}

export function tsvOf(ranges: readonly FixtureRange[], extraLines: readonly string[] = []): string {
  return (
    ranges
      .map((r) => `${v4(r.start)}\t${v4(r.end)}\t${r.asn}\t${r.cc}\t${r.name}`)
      .concat(extraLines)
      .join("\n") + "\n"
  );
}

/** The plain answer: scan every range. */
export function scanAsn(ranges: readonly FixtureRange[], x: number): number {
  for (const r of ranges) if (r.start <= x && x <= r.end) return r.asn;
  return -1;
}
