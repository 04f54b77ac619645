/**
 * IP addresses as numbers, for range tables and prefix checks: IPv4 as one unsigned 32-bit
 * number, IPv6 as four (most significant first). Parsing is hand-written because a 500 000-line
 * table is read through it in well under a second; `text` is the canonical form (RFC 5952 for
 * IPv6) that answers and cache keys use.
 */
export type IpAddress =
  | { readonly family: 4; readonly v4: number; readonly text: string }
  | { readonly family: 6; readonly words: readonly [number, number, number, number]; readonly text: string };

/** A strict dotted quad (no leading zeros that inet_aton would read as octal), or -1. */
export function parseIpv4Number(s: string, from = 0, to = s.length): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1;
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + part;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Parses IPv6 text into `out[at…at+3]`; false when it is not an address. Accepts "::"
 * compression and a trailing dotted quad (::ffff:192.0.2.1), as RFC 4291 §2.2 allows.
 */
export function parseIpv6Into(s: string, out: Uint32Array | number[], at = 0, from = 0, to = s.length): boolean {
  const groups = [0, 0, 0, 0, 0, 0, 0, 0];
  let n = 0;
  let gap = -1;
  let i = from;
  if (to - from < 2) return false;
  if (s.charCodeAt(i) === 58) {
    if (s.charCodeAt(i + 1) !== 58) return false;
    gap = 0;
    i += 2;
  }
  while (i < to) {
    if (n === 8) return false;
    let v = 0;
    let digits = 0;
    const start = i;
    while (i < to) {
      const h = hexValue(s.charCodeAt(i));
      if (h < 0) break;
      v = v * 16 + h;
      i++;
      if (++digits > 4) return false;
    }
    if (i < to && s.charCodeAt(i) === 46) {
      // the last 32 bits written as a dotted quad
      if (n > 6) return false;
      const v4 = parseIpv4Number(s, start, to);
      if (v4 < 0) return false;
      groups[n++] = v4 >>> 16;
      groups[n++] = v4 & 0xffff;
      i = to;
      break;
    }
    if (digits === 0) return false;
    groups[n++] = v;
    if (i === to) break;
    if (s.charCodeAt(i) !== 58) return false;
    i++;
    if (i < to && s.charCodeAt(i) === 58) {
      if (gap >= 0) return false;
      gap = n;
      i++;
    } else if (i === to) return false;
  }
  if (gap >= 0) {
    if (n === 8) return false;
    const tail = groups.slice(gap, n);
    for (let k = gap; k < 8; k++) groups[k] = 0;
    for (let k = 0; k < tail.length; k++) groups[8 - tail.length + k] = tail[k]!;
  } else if (n !== 8) return false;
  for (let w = 0; w < 4; w++) out[at + w] = ((groups[2 * w]! << 16) | groups[2 * w + 1]!) >>> 0;
  return true;
}

export function ipv4Text(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** RFC 5952: lower case, no leading zeros, the longest run of two or more zero groups as "::". */
export function ipv6Text(words: ArrayLike<number>, at = 0): string {
  const g: number[] = [];
  for (let w = 0; w < 4; w++) g.push(words[at + w]! >>> 16, words[at + w]! & 0xffff);
  let best = -1;
  let bestLen = 1;
  for (let k = 0; k < 8; ) {
    if (g[k] !== 0) {
      k++;
      continue;
    }
    let e = k;
    while (e < 8 && g[e] === 0) e++;
    if (e - k > bestLen) {
      best = k;
      bestLen = e - k;
    }
    k = e;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(":");
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/**
 * An address in either family, or null. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the
 * IPv4 address it maps: one host, one answer.
 */
export function parseIp(text: string): IpAddress | null {
  const t = text.trim();
  const v4 = parseIpv4Number(t);
  if (v4 >= 0) return { family: 4, v4, text: ipv4Text(v4) };
  const zone = t.indexOf("%");
  const words = [0, 0, 0, 0];
  if (!parseIpv6Into(t, words, 0, 0, zone < 0 ? t.length : zone)) return null;
  if (words[0] === 0 && words[1] === 0 && words[2] === 0xffff) return { family: 4, v4: words[3]!, text: ipv4Text(words[3]!) };
  const w = words as [number, number, number, number];
  return { family: 6, words: w, text: ipv6Text(w) };
}

/** -1, 0 or 1: a before, equal to or after b, comparing four-word IPv6 values. */
export function compareWords(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number): number {
  for (let k = 0; k < 4; k++) {
    const x = a[ai + k]!;
    const y = b[bi + k]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** The IPv6 address as one 128-bit number, for the rare arithmetic (ranges to prefixes). */
export function wordsToBigInt(words: ArrayLike<number>, at = 0): bigint {
  let v = 0n;
  for (let k = 0; k < 4; k++) v = (v << 32n) | BigInt(words[at + k]!);
  return v;
}

export function bigIntToWords(v: bigint): [number, number, number, number] {
  return [Number((v >> 96n) & 0xffffffffn), Number((v >> 64n) & 0xffffffffn), Number((v >> 32n) & 0xffffffffn), Number(v & 0xffffffffn)];
}

/**
 * The CIDR prefixes that exactly cover [start, end] (inclusive), in order: the form routing
 * tables and RIPEstat speak, from the start–end ranges an iptoasn table holds.
 */
export function rangeToPrefixes(family: 4 | 6, start: bigint, end: bigint): string[] {
  const bits = family === 4 ? 32 : 128;
  const out: string[] = [];
  let cur = start;
  // bounded: each step covers at least one address and at most 2·bits steps cover any range
  for (let guard = 0; cur <= end && guard < 2 * bits + 2; guard++) {
    let size = 0;
    while (size < bits && (cur & ((1n << BigInt(size + 1)) - 1n)) === 0n && cur + (1n << BigInt(size + 1)) - 1n <= end) size++;
    const text = family === 4 ? ipv4Text(Number(cur)) : ipv6Text(bigIntToWords(cur));
    out.push(`${text}/${bits - size}`);
    cur += 1n << BigInt(size);
  }
  return out;
}
