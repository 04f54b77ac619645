import { isIP } from "node:net";

/**
 * The addresses and networks of the lists in the two forms a firewall loads in one step.
 * Each entry is checked once more: a file pfctl or nft refuses would leave the old table,
 * but a stray word could also mean something to nft.
 */
function isNetwork(entry: string): 4 | 6 | 0 {
  const slash = entry.indexOf("/");
  const addr = slash === -1 ? entry : entry.slice(0, slash);
  const family = isIP(addr);
  if (family === 0) return 0;
  if (slash !== -1) {
    const bits = entry.slice(slash + 1);
    if (!/^\d{1,3}$/.test(bits) || Number(bits) > (family === 4 ? 32 : 128)) return 0;
  }
  return family as 4 | 6;
}

/** pf: one address or network a line, for `pfctl -t TABLE -T replace -f FILE` (pfctl(8)). */
export function pfTableText(networks: readonly string[]): string {
  return networks
    .filter((n) => isNetwork(n) !== 0)
    .map((n) => `${n}\n`)
    .join("");
}

/**
 * nftables: a script for `nft -f FILE`, which nft applies as one transaction (nft(8), "the
 * whole file is applied atomically"): both sets flushed and refilled, or nothing changes.
 * The sets must exist with `flags interval` (docs/dns-blocklist.md shows them).
 */
export function nftSetScript(networks: readonly string[], table: string, setName: string): string {
  const v4 = networks.filter((n) => isNetwork(n) === 4);
  const v6 = networks.filter((n) => isNetwork(n) === 6);
  const out: string[] = [];
  for (const [suffix, members] of [
    ["v4", v4],
    ["v6", v6],
  ] as const) {
    out.push(`flush set ${table} ${setName}_${suffix}`);
    // `add element` with no elements is a syntax error, so an empty family gets only the flush
    if (members.length > 0) out.push(`add element ${table} ${setName}_${suffix} { ${members.join(", ")} }`);
  }
  out.push("");
  return out.join("\n");
}
