import { isIPv4, isIPv6 } from "node:net";
import { quoted, refusal, type Refusal } from "./dns-name.js";

/** A network as a range of addresses, for containment checks. */
export interface AddressRange {
  readonly family: 4 | 6;
  readonly first: bigint;
  readonly last: bigint;
  readonly prefix: number;
}

/**
 * The canonical text of an address that node:net accepts: IPv4 as is (node refuses leading zeros
 * and the short forms inet_aton would take), IPv6 in the WHATWG URL serialisation (lower case,
 * longest zero run compressed, embedded IPv4 in hex). Zone indices (`fe80::1%lo0`) are refused:
 * they name an interface, not a network.
 */
export function canonicalAddress(raw: string): { text: string; family: 4 | 6 } | undefined {
  if (isIPv4(raw)) return { text: raw, family: 4 };
  // every IPv6 text has a colon; node's check is a regular expression that takes ~8 ms to
  // compile at its first use, and most of what is asked here is a name
  if (!raw.includes(":") || raw.includes("%") || !isIPv6(raw)) return undefined;
  return { text: new URL(`http://[${raw}]/`).hostname.slice(1, -1), family: 6 };
}

/** Addresses that hosts files and dnsmasq lines use to mean "nowhere". */
const SINKS = new Set(["0.0.0.0", "127.0.0.1", "::", "::1"]);

/**
 * Whether `raw` is a sink address written as the lists write them: no address check at all
 * (node's IPv6 check is a regular expression that takes ~8 ms to compile at its first use).
 */
export function isSinkText(raw: string): boolean {
  return SINKS.has(raw);
}

export function isSinkAddress(raw: string): boolean {
  if (isSinkText(raw)) return true;
  const a = canonicalAddress(raw);
  return a !== undefined && SINKS.has(a.text);
}

/** The 32 or 128 bits of a canonical address (the output of canonicalAddress only). */
function addressBits(text: string, family: 4 | 6): bigint {
  if (family === 4) return text.split(".").reduce((v, octet) => (v << 8n) | BigInt(Number(octet)), 0n);
  // The URL serialisation has hex groups only and at most one "::"; filling the gap is all that
  // is left once node has parsed and validated it.
  const [head = "", tail] = text.split("::");
  const groups = (s: string): string[] => (s === "" ? [] : s.split(":"));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
  return all.reduce((v, g) => (v << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function bitsText(bits: bigint, family: 4 | 6): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((bits >> s) & 255n)).join(".");
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => ((bits >> s) & 0xffffn).toString(16));
  return canonicalAddress(groups.join(":"))!.text;
}

/**
 * A bare address or a CIDR as written in a list → its canonical CIDR (`192.0.2.1` → `192.0.2.1/32`,
 * `2001:DB8::/32` → `2001:db8::/32`). Host bits below the prefix are cleared (`198.51.100.10/24` →
 * `198.51.100.0/24`), as unbound.conf(5) reads its RPZ example `24.10.100.51.198.rpz-ip` and as
 * ipset and pfctl store such an entry. Refused: anything node:net does not take as an address,
 * a prefix length out of range or with leading zeros, and /0 (every address).
 */
export function parseNetwork(raw: string): string | Refusal {
  const slash = raw.indexOf("/");
  const address = canonicalAddress(slash < 0 ? raw : raw.slice(0, slash));
  if (address === undefined) return refusal(`not an IP address: ${quoted(raw)}`);
  const width = address.family === 4 ? 32 : 128;
  let prefix = width;
  if (slash >= 0) {
    const p = raw.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > width) return refusal(`prefix length out of range: ${quoted(raw)}`);
    prefix = Number(p);
  }
  if (prefix === 0) return refusal(`a /0 network covers every address: ${quoted(raw)}`);
  if (prefix === width) return `${address.text}/${prefix}`;
  const bits = addressBits(address.text, address.family);
  const hostMask = (1n << BigInt(width - prefix)) - 1n;
  if ((bits & hostMask) === 0n) return `${address.text}/${prefix}`;
  return `${bitsText(bits & ~hostMask, address.family)}/${prefix}`;
}

/** The range of a canonical CIDR (an output of parseNetwork). */
export function addressRange(cidr: string): AddressRange {
  const slash = cidr.lastIndexOf("/");
  const text = cidr.slice(0, slash);
  const family: 4 | 6 = text.includes(":") ? 6 : 4;
  const prefix = Number(cidr.slice(slash + 1));
  const width = family === 4 ? 32 : 128;
  const first = addressBits(text, family);
  return { family, first, last: first | ((1n << BigInt(width - prefix)) - 1n), prefix };
}
