import { quoted } from "./dns-name.js";
import { isSinkAddress } from "./ip-network.js";
import type { ListCollector } from "./list-collector.js";

// RFC 1035 §5.1: a TTL and a class may precede the type, in either order. BIND also takes TTLs
// with units (1h30m).
const TTL = /^[0-9]+[smhdw]?([0-9]+[smhdw])*$/i;
const CLASS = /^(IN|CH|HS|CS|CLASS[0-9]+)$/i;

// Types seen in policy zones as local data; anything else in that position means the line was
// not a zone-file record at all.
const RECORD_TYPES = new Set([
  "A",
  "AAAA",
  "CNAME",
  "DNAME",
  "TXT",
  "MX",
  "PTR",
  "SRV",
  "NAPTR",
  "HINFO",
  "CAA",
  "HTTPS",
  "SVCB",
  "DS",
  "DNSKEY",
  "RRSIG",
  "NSEC",
  "NSEC3",
]);

type Action = "block" | "exception" | string;

/**
 * A DNS Response Policy Zone file (draft-vixie-dnsop-dns-rpz), read record by record. The owner
 * of each record, relative to the zone apex, is the trigger: a name (`bad.example`, and
 * `*.bad.example` for its subtree) or an address (`PREFIX.B4.B3.B2.B1.rpz-ip`, IPv6 words
 * reversed with `zz` for "::"). The record is the action: `CNAME .` (NXDOMAIN), `CNAME *.`
 * (NODATA), `CNAME rpz-drop.` and A/AAAA records to a sink address block; `CNAME rpz-passthru.`
 * exempts the name. Other actions (a CNAME rewrite to a walled garden, rpz-tcp-only, local data
 * with real addresses) and the NSDNAME/NSIP/client-IP triggers are no block an unbound local-zone
 * can express: counted as invalid. SOA and NS records are the zone's own and are skipped.
 */
export class RpzZone {
  private origin: string | undefined;
  private apex: string | undefined;
  private lastOwner: string | undefined;
  /** inside a record's ( … ) that continues on later lines (a multi-line SOA) */
  continuing = false;

  /** `$ORIGIN`, `$TTL`, `$INCLUDE`… */
  directive(fields: readonly string[], c: ListCollector): void {
    const name = fields[0]!.toUpperCase();
    if (name === "$TTL") return;
    if (name === "$ORIGIN" && fields[1] !== undefined) {
      this.origin = this.absolute(fields[1]);
      this.apex ??= this.origin;
      return;
    }
    c.refuse(`zone file directive ${quoted(fields[0]!)} is not followed`);
  }

  /** A resource record; `ownerOmitted` when the line started with a blank (RFC 1035 §5.1). */
  record(fields: readonly string[], ownerOmitted: boolean, line: string, c: ListCollector): void {
    let i = ownerOmitted ? 0 : 1;
    for (let k = 0; k < 2 && i < fields.length - 1; k++) if (TTL.test(fields[i]!) || CLASS.test(fields[i]!)) i++;
    const type = (fields[i] ?? "").toUpperCase();
    const rdata = fields.slice(i + 1);
    if (line.includes("(") && !line.includes(")")) this.continuing = true;
    const owner = ownerOmitted ? this.lastOwner : this.absolute(fields[0]!);
    if (owner === undefined) {
      c.refuse(`zone file record without an owner name: ${quoted(line)}`);
      return;
    }
    this.lastOwner = owner;
    if (type === "SOA") {
      if (this.apex === undefined && owner !== "") this.apex = owner;
      return;
    }
    if (type === "NS") return;
    const trigger = this.trigger(owner);
    if (trigger === undefined) {
      c.refuse(`RPZ owner ${quoted(owner)} is not below the zone ${quoted(this.apex ?? "")}`);
      return;
    }
    const action = this.action(type, rdata);
    if (action === "block") this.block(trigger, c, false);
    else if (action === "exception") this.block(trigger, c, true);
    else c.refuse(`RPZ ${action}: ${quoted(line)}`);
  }

  private action(type: string, rdata: readonly string[]): Action {
    if (type === "CNAME") {
      const target = (rdata[0] ?? "").toLowerCase();
      if (target === "." || target === "*." || target === "rpz-drop.") return "block";
      if (target === "rpz-passthru.") return "exception";
      return `CNAME ${quoted(target)} is a rewrite, not a block`;
    }
    if ((type === "A" || type === "AAAA") && rdata.length === 1 && isSinkAddress(rdata[0]!)) return "block";
    if (type === "A" || type === "AAAA") return `${type} record to a real address is local data, not a block`;
    if (!RECORD_TYPES.has(type)) return "line in no supported format";
    return `record type ${quoted(type)} is not a block action`;
  }

  private block(trigger: string, c: ListCollector, exception: boolean): void {
    const dot = trigger.lastIndexOf(".");
    const kind = trigger.slice(dot + 1);
    if (kind === "rpz-ip") {
      if (exception) {
        c.refuse(`RPZ passthru for an address is not supported: ${quoted(trigger)}`);
        return;
      }
      c.network(ipTrigger(trigger.slice(0, dot)));
      return;
    }
    if (kind === "rpz-nsdname" || kind === "rpz-nsip" || kind === "rpz-client-ip") {
      c.refuse(`RPZ ${kind} trigger is not a name unbound can block: ${quoted(trigger)}`);
      return;
    }
    if (exception) c.exception(trigger);
    else c.name(trigger);
  }

  /** the owner as an absolute name, lower case, without the trailing dot ("" for the root) */
  private absolute(raw: string): string {
    if (raw === "@") return this.origin ?? "";
    if (raw.endsWith(".")) return raw.slice(0, -1).toLowerCase();
    return (this.origin ? `${raw}.${this.origin}` : raw).toLowerCase();
  }

  /** the owner relative to the apex; undefined for the apex itself and names outside the zone */
  private trigger(owner: string): string | undefined {
    if (this.apex === undefined || this.apex === "") return owner === "" ? undefined : owner;
    if (owner.endsWith(`.${this.apex}`)) return owner.slice(0, -this.apex.length - 1);
    return undefined;
  }
}

/** `24.0.2.0.192` → `192.0.2.0/24`; `48.zz.db8.2001` → `2001:db8::/48` (parseNetwork checks it) */
function ipTrigger(labels: string): string {
  const [prefix = "", ...reversed] = labels.split(".");
  const parts = reversed.reverse();
  if (parts.length === 4 && parts.every((p) => /^[0-9]+$/.test(p))) return `${parts.join(".")}/${prefix}`;
  let text = parts.join(":").replace("zz", "");
  if (text === "") text = "::";
  else if (text.startsWith(":")) text = `:${text}`;
  else if (text.endsWith(":")) text = `${text}:`;
  return `${text}/${prefix}`;
}
