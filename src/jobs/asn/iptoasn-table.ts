import {
  ipv4Text,
  ipv6Text,
  parseIpv4Number,
  parseIpv6Into,
  rangeToPrefixes,
  wordsToBigInt,
  compareWords,
  type IpAddress,
} from "./ip-address.js";

/**
 * The IP-to-ASN table iptoasn.com publishes (ip2asn-v4.tsv, ip2asn-v6.tsv, ip2asn-combined.tsv),
 * one range per line, tab-separated:
 *
 *   range_start  range_end  AS_number  country_code  AS_description
 *   1.0.0.0      1.0.0.255  13335      US            CLOUDFLARENET
 *   1.0.4.0      1.0.7.255  0          None          Not routed
 *
 * AS 0 / "Not routed" marks address space nobody announces. Held in sorted typed arrays (no
 * object per range: half a million ranges would be half a million objects for the collector to
 * walk) and searched by bisection.
 */
export class TableFormatError extends Error {
  override readonly name = "TableFormatError";
}

export interface TableHit {
  readonly asn: number;
  /** the range, as a prefix when it is exactly one, else "start-end" */
  readonly prefix: string;
  readonly country: string | null;
  readonly name: string | null;
}

interface Family {
  /** v4: one word per range; v6: four */
  starts: Uint32Array;
  ends: Uint32Array;
  asns: Uint32Array;
  countries: Uint16Array;
  names: Uint32Array;
  count: number;
}

function emptyFamily(capacity: number, stride: number): Family {
  return {
    starts: new Uint32Array(capacity * stride),
    ends: new Uint32Array(capacity * stride),
    asns: new Uint32Array(capacity),
    countries: new Uint16Array(capacity),
    names: new Uint32Array(capacity),
    count: 0,
  };
}

function shrink(f: Family, stride: number): Family {
  return {
    starts: f.starts.slice(0, f.count * stride),
    ends: f.ends.slice(0, f.count * stride),
    asns: f.asns.slice(0, f.count),
    countries: f.countries.slice(0, f.count),
    names: f.names.slice(0, f.count),
    count: f.count,
  };
}

/** Reorders a family by start address; only needed for a table not published sorted. */
function sortFamily(f: Family, stride: number): Family {
  const order = Array.from({ length: f.count }, (_, i) => i);
  order.sort((a, b) => compareWords(f.starts, a * stride, f.starts, b * stride) || a - b);
  const out = emptyFamily(f.count, stride);
  order.forEach((from, to) => {
    for (let k = 0; k < stride; k++) {
      out.starts[to * stride + k] = f.starts[from * stride + k]!;
      out.ends[to * stride + k] = f.ends[from * stride + k]!;
    }
    out.asns[to] = f.asns[from]!;
    out.countries[to] = f.countries[from]!;
    out.names[to] = f.names[from]!;
  });
  out.count = f.count;
  return out;
}

export class IpToAsnTable {
  private constructor(
    private readonly v4: Family,
    private readonly v6: Family,
    private readonly countryNames: readonly string[],
    private readonly asNames: readonly string[],
  ) {}

  /** ranges per family */
  get size(): { v4: number; v6: number } {
    return { v4: this.v4.count, v6: this.v6.count };
  }

  /**
   * Reads the TSV text. `origin` names the file in errors: "FILE line 12: …". Throws
   * TableFormatError on the first line that is not a range of this format, so a truncated or
   * garbled download is refused rather than half used.
   */
  static parse(text: string, origin = "table"): IpToAsnTable {
    let lines = 0;
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lines++;
    lines++;
    const v4 = emptyFamily(lines, 1);
    const v6 = emptyFamily(lines, 4);
    const countryIndex = new Map<string, number>();
    const countryNames: string[] = [];
    const nameIndex = new Map<string, number>();
    const asNames: string[] = [];
    const nameOfAsn = new Map<number, number>();
    // two-letter codes by their char codes, index + 1 (0: not seen yet)
    const twoLetter = new Uint16Array(65_536);
    const countryOf = (cc: string, code: number): number => {
      let ci = countryIndex.get(cc);
      if (ci === undefined) {
        ci = countryNames.length;
        if (ci >= 65_535) bad("more than 65 535 distinct country codes");
        countryNames.push(cc);
        countryIndex.set(cc, ci);
      }
      if (code >= 0 && code <= 0xffff) twoLetter[code] = ci + 1;
      return ci;
    };
    let sorted4 = true;
    let sorted6 = true;
    let lineNo = 0;
    const bad = (why: string): never => {
      throw new TableFormatError(`${origin} line ${lineNo}: ${why}`);
    };
    for (let at = 0; at < text.length; ) {
      let end = text.indexOf("\n", at);
      if (end < 0) end = text.length;
      lineNo++;
      const lineEnd = end > at && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
      const lineStart = at;
      at = end + 1;
      if (lineEnd === lineStart) continue;
      const t1 = text.indexOf("\t", lineStart);
      const t2 = t1 < 0 ? -1 : text.indexOf("\t", t1 + 1);
      const t3 = t2 < 0 ? -1 : text.indexOf("\t", t2 + 1);
      const t4 = t3 < 0 ? -1 : text.indexOf("\t", t3 + 1);
      if (t4 < 0 || t4 >= lineEnd) bad("expected 5 tab-separated fields: range_start range_end AS_number country_code AS_description");
      let asn = 0;
      for (let i = t2 + 1; i < t3; i++) {
        const c = text.charCodeAt(i) - 48;
        if (c < 0 || c > 9 || t3 - t2 - 1 > 10) bad(`AS number is not a number: ${JSON.stringify(text.slice(t2 + 1, t3))}`);
        asn = asn * 10 + c;
      }
      if (t3 === t2 + 1 || asn > 4_294_967_295) bad(`AS number out of range: ${JSON.stringify(text.slice(t2 + 1, t3))}`);
      // Country and name repeat on most lines: look them up without cutting a new string when
      // we can (a two-letter code by its char codes, a name by comparing in place with the name
      // this AS had before). This halves the load time of a full table.
      let ci: number;
      if (t4 - t3 === 3) {
        const code = (text.charCodeAt(t3 + 1) << 8) | text.charCodeAt(t3 + 2);
        ci = twoLetter[code & 0xffff]! - 1;
        if (ci < 0 || code > 0xffff) ci = countryOf(text.slice(t3 + 1, t4), code);
      } else ci = countryOf(text.slice(t3 + 1, t4), -1);
      const known = nameOfAsn.get(asn);
      const descLength = lineEnd - t4 - 1;
      let ni: number;
      if (known !== undefined && asNames[known]!.length === descLength && text.startsWith(asNames[known]!, t4 + 1)) ni = known;
      else {
        const desc = text.slice(t4 + 1, lineEnd);
        let found = nameIndex.get(desc);
        if (found === undefined) {
          found = asNames.length;
          asNames.push(desc);
          nameIndex.set(desc, found);
        }
        nameOfAsn.set(asn, found);
        ni = found;
      }
      const s4 = parseIpv4Number(text, lineStart, t1);
      if (s4 >= 0) {
        const e4 = parseIpv4Number(text, t1 + 1, t2);
        if (e4 < 0) bad(`range end is not an IPv4 address: ${JSON.stringify(text.slice(t1 + 1, t2))}`);
        if (e4 < s4) bad("range end before range start");
        const n = v4.count++;
        if (n > 0 && v4.starts[n - 1]! > s4) sorted4 = false;
        v4.starts[n] = s4;
        v4.ends[n] = e4;
        v4.asns[n] = asn;
        v4.countries[n] = ci;
        v4.names[n] = ni;
        continue;
      }
      const n = v6.count;
      if (!parseIpv6Into(text, v6.starts, n * 4, lineStart, t1))
        bad(`range start is not an IP address: ${JSON.stringify(text.slice(lineStart, t1))}`);
      if (!parseIpv6Into(text, v6.ends, n * 4, t1 + 1, t2))
        bad(`range end is not an IPv6 address: ${JSON.stringify(text.slice(t1 + 1, t2))}`);
      if (compareWords(v6.ends, n * 4, v6.starts, n * 4) < 0) bad("range end before range start");
      if (n > 0 && compareWords(v6.starts, (n - 1) * 4, v6.starts, n * 4) > 0) sorted6 = false;
      v6.asns[n] = asn;
      v6.countries[n] = ci;
      v6.names[n] = ni;
      v6.count++;
    }
    let f4 = shrink(v4, 1);
    let f6 = shrink(v6, 4);
    if (!sorted4) f4 = sortFamily(f4, 1);
    if (!sorted6) f6 = sortFamily(f6, 4);
    return new IpToAsnTable(f4, f6, countryNames, asNames);
  }

  /** Index of the range holding a v4 address, or -1. */
  indexOfV4(x: number): number {
    const starts = this.v4.starts;
    let lo = 0;
    let hi = this.v4.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= x) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 && this.v4.ends[found]! >= x ? found : -1;
  }

  private indexOfV6(words: readonly number[]): number {
    const f = this.v6;
    let lo = 0;
    let hi = f.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compareWords(f.starts, mid * 4, words, 0) <= 0) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 && compareWords(f.ends, found * 4, words, 0) >= 0 ? found : -1;
  }

  /** AS number of the range holding a v4 address; -1 outside every range (the bench's path). */
  asnOfV4(x: number): number {
    const i = this.indexOfV4(x);
    return i < 0 ? -1 : this.v4.asns[i]!;
  }

  /** The range as one prefix when it is exactly one (the common case, no BigInt), else "start-end". */
  private rangeText(f: Family, family: 4 | 6, i: number): string {
    if (family === 4) {
      const start = f.starts[i]!;
      const size = f.ends[i]! - start + 1;
      // a power of two, and the start aligned on it
      if (size > 0 && size <= 2 ** 32 && Number.isInteger(Math.log2(size)) && start % size === 0)
        return `${ipv4Text(start)}/${32 - Math.log2(size)}`;
      return `${ipv4Text(start)}-${ipv4Text(f.ends[i]!)}`;
    }
    const prefixes = rangeToPrefixes(6, wordsToBigInt(f.starts, i * 4), wordsToBigInt(f.ends, i * 4));
    return prefixes.length === 1 ? prefixes[0]! : `${ipv6Text(f.starts, i * 4)}-${ipv6Text(f.ends, i * 4)}`;
  }

  private hit(f: Family, family: 4 | 6, i: number): TableHit {
    const cc = this.countryNames[f.countries[i]!]!;
    const name = this.asNames[f.names[i]!]!;
    return {
      asn: f.asns[i]!,
      prefix: this.rangeText(f, family, i),
      // iptoasn writes "None" (and "Unknown") where no registry country is known
      country: cc === "" || cc === "None" || cc === "Unknown" ? null : cc,
      name: name === "" || name === "Not routed" ? null : name,
    };
  }

  /** The range holding `ip`, or null when no range does. */
  lookup(ip: IpAddress): TableHit | null {
    if (ip.family === 4) {
      const i = this.indexOfV4(ip.v4);
      return i < 0 ? null : this.hit(this.v4, 4, i);
    }
    const i = this.indexOfV6([...ip.words]);
    return i < 0 ? null : this.hit(this.v6, 6, i);
  }

  /** Every range the table has for `asn` (as prefixes), with its name and country. */
  describeAs(asn: number): { name: string | null; country: string | null; prefixes: string[] } | null {
    let name: string | null = null;
    let country: string | null = null;
    const prefixes: string[] = [];
    for (const [f, family] of [
      [this.v4, 4],
      [this.v6, 6],
    ] as const) {
      for (let i = 0; i < f.count; i++) {
        if (f.asns[i] !== asn) continue;
        const h = this.hit(f, family, i);
        name ??= h.name;
        country ??= h.country;
        const stride = family === 4 ? 1 : 4;
        const start = family === 4 ? BigInt(f.starts[i]!) : wordsToBigInt(f.starts, i * stride);
        const end = family === 4 ? BigInt(f.ends[i]!) : wordsToBigInt(f.ends, i * stride);
        prefixes.push(...rangeToPrefixes(family, start, end));
      }
    }
    return prefixes.length === 0 ? null : { name, country, prefixes };
  }
}
