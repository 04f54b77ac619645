import { parseIp, type IpAddress } from "./ip-address.js";

/**
 * Addresses no origin AS announces on the public Internet, answered as what they are without a
 * query: asking Team Cymru or RIPEstat about 10.1.2.3 leaks the local network plan and gets
 * "not found" at best. The table is the IANA special-purpose registries that RFC 6890 set up
 * (IPv4 and IPv6 Special-Purpose Address Registries), each row naming the RFC that reserved the
 * block; blocks the registry marks "globally reachable" (e.g. 2001::/32 Teredo relays, 6to4) are
 * left out on purpose, since real hosts use them.
 */
export interface SpecialRange {
  /** "10.0.0.0/8" */
  readonly prefix: string;
  /** the registry's name for the block, e.g. "private-use" */
  readonly purpose: string;
  /** "RFC 1918" */
  readonly rfc: string;
}

const TABLE: readonly SpecialRange[] = [
  { prefix: "0.0.0.0/8", purpose: "this network", rfc: "RFC 791" },
  { prefix: "10.0.0.0/8", purpose: "private-use", rfc: "RFC 1918" },
  { prefix: "100.64.0.0/10", purpose: "shared address space (carrier-grade NAT)", rfc: "RFC 6598" },
  { prefix: "127.0.0.0/8", purpose: "loopback", rfc: "RFC 1122" },
  { prefix: "169.254.0.0/16", purpose: "link-local", rfc: "RFC 3927" },
  { prefix: "172.16.0.0/12", purpose: "private-use", rfc: "RFC 1918" },
  { prefix: "192.0.0.0/24", purpose: "IETF protocol assignments", rfc: "RFC 6890" },
  { prefix: "192.0.2.0/24", purpose: "documentation (TEST-NET-1)", rfc: "RFC 5737" },
  { prefix: "192.88.99.0/24", purpose: "deprecated 6to4 relay anycast", rfc: "RFC 7526" },
  { prefix: "192.168.0.0/16", purpose: "private-use", rfc: "RFC 1918" },
  { prefix: "198.18.0.0/15", purpose: "benchmarking", rfc: "RFC 2544" },
  { prefix: "198.51.100.0/24", purpose: "documentation (TEST-NET-2)", rfc: "RFC 5737" },
  { prefix: "203.0.113.0/24", purpose: "documentation (TEST-NET-3)", rfc: "RFC 5737" },
  { prefix: "224.0.0.0/4", purpose: "multicast", rfc: "RFC 5771" },
  { prefix: "240.0.0.0/4", purpose: "reserved", rfc: "RFC 1112" },
  { prefix: "255.255.255.255/32", purpose: "limited broadcast", rfc: "RFC 919" },
  { prefix: "::/128", purpose: "unspecified address", rfc: "RFC 4291" },
  { prefix: "::1/128", purpose: "loopback", rfc: "RFC 4291" },
  { prefix: "64:ff9b::/96", purpose: "IPv4-IPv6 translation", rfc: "RFC 6052" },
  { prefix: "64:ff9b:1::/48", purpose: "local-use IPv4-IPv6 translation", rfc: "RFC 8215" },
  { prefix: "100::/64", purpose: "discard-only", rfc: "RFC 6666" },
  { prefix: "2001:2::/48", purpose: "benchmarking", rfc: "RFC 5180" },
  { prefix: "2001:db8::/32", purpose: "documentation", rfc: "RFC 3849" },
  { prefix: "3fff::/20", purpose: "documentation", rfc: "RFC 9637" },
  { prefix: "fc00::/7", purpose: "unique-local", rfc: "RFC 4193" },
  { prefix: "fe80::/10", purpose: "link-local", rfc: "RFC 4291" },
  { prefix: "ff00::/8", purpose: "multicast", rfc: "RFC 4291" },
];

interface Compiled {
  readonly range: SpecialRange;
  readonly ip: IpAddress;
  readonly bits: number;
}

// longest prefix first: 255.255.255.255 is the broadcast address before it is in 240/4
const COMPILED: readonly Compiled[] = TABLE.map((range) => {
  const [addr, bits] = range.prefix.split("/") as [string, string];
  return { range, ip: parseIp(addr)!, bits: Number(bits) };
}).sort((a, b) => b.bits - a.bits);

function within(ip: IpAddress, c: Compiled): boolean {
  if (ip.family !== c.ip.family) return false;
  if (ip.family === 4 && c.ip.family === 4) return c.bits === 0 || ip.v4 >>> (32 - c.bits) === c.ip.v4 >>> (32 - c.bits);
  if (ip.family !== 6 || c.ip.family !== 6) return false;
  let left = c.bits;
  for (let w = 0; w < 4 && left > 0; w++, left -= 32) {
    const take = Math.min(32, left);
    if (ip.words[w]! >>> (32 - take) !== c.ip.words[w]! >>> (32 - take)) return false;
  }
  return true;
}

/** The special-purpose block `ip` lies in, or null for an address that may be announced. */
export function specialRange(ip: IpAddress): SpecialRange | null {
  for (const c of COMPILED) if (within(ip, c)) return c.range;
  return null;
}
