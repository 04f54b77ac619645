import { quoted } from "./dns-name.js";
import { isSinkAddress } from "./ip-network.js";
import type { ListCollector } from "./list-collector.js";

// unbound.conf(5) local-zone types that answer something other than the real data for the
// zone and everything below it. transparent, typetransparent, inform, always_transparent,
// nodefault and noview resolve normally: they block nothing.
const BLOCKING_TYPES = new Set([
  "deny",
  "refuse",
  "static",
  "redirect",
  "inform_deny",
  "inform_redirect",
  "always_refuse",
  "always_nxdomain",
  "always_nodata",
  "always_deny",
  "always_null",
]);

/** The first value of a clause: a "quoted string" or a bare word, and what follows it. */
function firstValue(rest: string): [string, string] | undefined {
  if (rest.startsWith('"') || rest.startsWith("'")) {
    const end = rest.indexOf(rest[0]!, 1);
    if (end < 0) return undefined;
    return [rest.slice(1, end), rest.slice(end + 1).trim()];
  }
  const m = /^(\S+)\s*(.*)$/.exec(rest);
  return m ? [m[1]!, m[2]!] : undefined;
}

/**
 * unbound.conf(5) lines as unbound-format blocklists write them: `local-zone: "name." TYPE` with
 * a blocking type, and `local-data: "name. [TTL] [IN] A|AAAA ADDR"` pointing at a sink address
 * (the companion of a redirect zone).
 */
export function unboundLine(line: string, c: ListCollector): void {
  const colon = line.indexOf(":");
  const keyword = line.slice(0, colon);
  const value = firstValue(line.slice(colon + 1).trim());
  if (value === undefined) {
    c.refuse(`unbound ${keyword}: without a quoted value: ${quoted(line)}`);
    return;
  }
  const [text, after] = value;
  if (keyword === "local-zone") {
    const type = after.split(/\s+/)[0]!.toLowerCase();
    if (!BLOCKING_TYPES.has(type)) {
      c.refuse(`unbound local-zone type ${quoted(type)} does not block: ${quoted(line)}`);
      return;
    }
    c.name(text);
    return;
  }
  // local-data: the value is a resource record in zone-file form
  const fields = text.trim().split(/\s+/);
  let i = 1;
  while (i < fields.length - 1 && (/^[0-9]+$/.test(fields[i]!) || /^(IN|CH|HS)$/i.test(fields[i]!))) i++;
  const type = (fields[i] ?? "").toUpperCase();
  const address = fields[i + 1] ?? "";
  if ((type === "A" || type === "AAAA") && isSinkAddress(address)) {
    c.name(fields[0]!);
    return;
  }
  c.refuse(`unbound local-data that is not an A/AAAA record to a sink address: ${quoted(line)}`);
}
