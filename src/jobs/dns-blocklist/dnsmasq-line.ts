import { quoted } from "./dns-name.js";
import { canonicalAddress, isSinkAddress } from "./ip-network.js";
import type { ListCollector } from "./list-collector.js";

/**
 * dnsmasq(8) configuration lines that blocklists are published as:
 * - `address=/d1[/d2…]/[ADDR]`: no address → NXDOMAIN for the domains and their subdomains, `#` →
 *   the NULL address (0.0.0.0 and ::), a sink address → the same; a real address is a redirect,
 *   not a block, and is counted as invalid;
 * - `server=/d1[/d2…]/` and `local=/d1/`: no server → "never forward", answered locally or with
 *   NXDOMAIN; a server address forwards the domain somewhere, which is not a block.
 * The domain `#` means every domain (`address=/#/…`): refused, it would block the world.
 */
export function dnsmasqLine(line: string, c: ListCollector): void {
  const eq = line.indexOf("=");
  const key = line.slice(0, eq);
  const value = line.slice(eq + 1);
  if (!value.startsWith("/")) {
    c.refuse(`dnsmasq ${key}= line without /domain/: ${quoted(line)}`);
    return;
  }
  const parts = value.split("/");
  const domains = parts.slice(1, -1);
  const target = parts[parts.length - 1]!;
  if (domains.length === 0) {
    c.refuse(`dnsmasq ${key}= line without /domain/: ${quoted(line)}`);
    return;
  }
  if (key === "address") {
    if (target !== "" && target !== "#" && !isSinkAddress(target)) {
      const why = canonicalAddress(target) === undefined ? "is not an address" : "is a redirect, not a sink address";
      c.refuse(`dnsmasq address ${quoted(target)} ${why}: ${quoted(line)}`);
      return;
    }
  } else if (target !== "") {
    c.refuse(`dnsmasq ${key}= forwards to ${quoted(target)}, that is not a block: ${quoted(line)}`);
    return;
  }
  for (const domain of domains) {
    if (domain === "#") c.refuse(`dnsmasq domain # matches every domain: ${quoted(line)}`);
    else c.name(domain);
  }
}
