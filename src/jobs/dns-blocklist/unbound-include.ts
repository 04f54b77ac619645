import { isIP } from "node:net";
import type { BlockAction } from "./options.js";

/**
 * The unbound include for a list of names (unbound.conf(5): local-zone, local-data). It starts
 * with `server:`, so it is valid wherever the configuration includes it.
 *
 * Every name is checked once more here, whatever produced it: one quote or space in a zone
 * line would make unbound-checkconf refuse the whole file (or, worse, mean something else).
 */
const LABEL = "[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?";
const ZONE_NAME = new RegExp(`^(?:${LABEL}\\.)*${LABEL}$`);

export function isZoneName(name: string): boolean {
  return name.length <= 253 && ZONE_NAME.test(name);
}

export interface BlockStyle {
  action: BlockAction;
  /** --action redirect: the address every blocked name resolves to */
  sink?: string | undefined;
}

/** The record that answers for a redirected zone: A or AAAA by the sink's family. */
function sinkRecord(name: string, sink: string): string {
  return `${name}. ${isIP(sink) === 6 ? "AAAA" : "A"} ${sink}`;
}

/**
 * `carveOuts`: allowed names below a blocked one. unbound answers from the closest enclosing
 * local-zone, so each becomes a zone of its own that resolves normally: `transparent`, which
 * also answers the configuration's local-data there (`always_transparent` would ignore it, and
 * an allowed name the operator serves locally would go unanswered).
 */
export function includeText(names: readonly string[], carveOuts: readonly string[], style: BlockStyle): string {
  const out: string[] = ["server:"];
  for (const n of names) {
    if (!isZoneName(n)) continue;
    out.push(`local-zone: "${n}." ${style.action}`);
    if (style.action === "redirect" && style.sink !== undefined) out.push(`local-data: "${sinkRecord(n, style.sink)}"`);
  }
  for (const n of carveOuts) if (isZoneName(n)) out.push(`local-zone: "${n}." transparent`);
  out.push("");
  return out.join("\n");
}
