import { isSinkAddress } from "./ip-network.js";
import { quoted } from "./dns-name.js";
import type { ListCollector } from "./list-collector.js";

// The lines every hosts file starts with (Debian's /etc/hosts, and the blocklists built from
// one): they describe this host, they block nothing.
const BOILERPLATE = new Set([
  "localhost",
  "localhost.localdomain",
  "local",
  "broadcasthost",
  "ip6-localhost",
  "ip6-loopback",
  "ip6-localnet",
  "ip6-mcastprefix",
  "ip6-allnodes",
  "ip6-allrouters",
  "ip6-allhosts",
]);

/**
 * hosts(5): "IP_address canonical_hostname [aliases...]", fields separated by blanks or tabs.
 * A blocklist maps its names to a sink (0.0.0.0, 127.0.0.1, ::, ::1); a line mapping names to
 * a real address is not a block and is counted as invalid, the boilerplate aside.
 */
export function hostsLine(fields: readonly string[], c: ListCollector): void {
  const address = fields[0]!;
  const sink = isSinkAddress(address);
  for (let i = 1; i < fields.length; i++) {
    let name = fields[i]!;
    // hosts(5): a "#" anywhere starts the comment, not only after a blank
    const hash = name.indexOf("#");
    if (hash >= 0) {
      if (hash === 0) break;
      name = name.slice(0, hash);
      i = fields.length;
    }
    hostsName(address, sink, name, c);
  }
}

/** One name of a hosts line whose address is `address` (a sink or not). */
function hostsName(address: string, sink: boolean, name: string, c: ListCollector): void {
  if (name.length <= 21 && BOILERPLATE.has(name.toLowerCase())) return; // (a hosts line's few names)
  if (name === address) return;
  if (sink) c.name(name);
  else c.refuse(`maps ${quoted(name)} to ${quoted(address)}, not to a sink address`);
}
