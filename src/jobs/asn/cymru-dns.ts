import { Resolver } from "node:dns/promises";
import { settleWithin } from "../network/deadline.js";
import { SourceError, type AsFacts, type AsnAnswer, type AsnSource, type NotFound } from "./asn-answer.js";
import type { IpAddress } from "./ip-address.js";

/**
 * Team Cymru's IP-to-ASN DNS interface (team-cymru.com, "IP to ASN Mapping", DNS section):
 *
 *   dig +short 31.108.90.216.origin.asn.cymru.com TXT
 *   "23028 | 216.90.108.0/24 | US | arin | 1998-09-25"
 *   dig +short AS23028.asn.cymru.com TXT
 *   "23028 | US | arin | 2002-01-04 | TEAM-CYMRU - Team Cymru Inc., US"
 *
 * IPv4 octets reversed under origin.asn.cymru.com; IPv6 nibbles reversed under
 * origin6.asn.cymru.com. One TXT record per announced prefix covering the address (a more and
 * a less specific one both answer); a prefix announced by several ASes (MOAS) lists them all,
 * separated by spaces, in the first field. Built for bulk use: no key, no published limit.
 */
export const CYMRU_ZONE = "asn.cymru.com";

export function originQueryName(ip: IpAddress, zone = CYMRU_ZONE): string {
  if (ip.family === 4) {
    const v = ip.v4;
    return `${v & 255}.${(v >>> 8) & 255}.${(v >>> 16) & 255}.${v >>> 24}.origin.${zone}`;
  }
  const nibbles: string[] = [];
  for (let w = 3; w >= 0; w--) for (let k = 0; k < 8; k++) nibbles.push(((ip.words[w]! >>> (4 * k)) & 15).toString(16));
  return `${nibbles.join(".")}.origin6.${zone}`;
}

export function asQueryName(asn: number, zone = CYMRU_ZONE): string {
  return `AS${asn}.${zone}`;
}

export interface OriginRecord {
  readonly origins: readonly number[];
  readonly prefix: string;
  readonly prefixLength: number;
  readonly country: string | null;
  readonly registry: string | null;
  readonly allocated: string | null;
}

export interface AsRecord {
  readonly asn: number;
  readonly country: string | null;
  readonly registry: string | null;
  readonly allocated: string | null;
  readonly name: string | null;
}

/** One TXT record may arrive as several character-strings (RFC 1035 §3.3.14): one text. */
function recordTexts(records: readonly (readonly string[])[]): string[] {
  return records.map((chunks) => chunks.join(""));
}

function fields(text: string): string[] {
  return text.split("|").map((f) => f.trim());
}

const orNull = (s: string | undefined): string | null => (s === undefined || s === "" ? null : s);

/** Throws SourceError naming the record when a field is not what Team Cymru documents. */
export function parseOriginRecords(records: readonly (readonly string[])[]): OriginRecord[] {
  return recordTexts(records).map((text) => {
    const f = fields(text);
    const origins = (f[0] ?? "")
      .split(/\s+/)
      .filter((x) => x !== "")
      .map(Number);
    const prefix = f[1] ?? "";
    const slash = /\/(\d{1,3})$/.exec(prefix);
    if (f.length < 3 || origins.length === 0 || origins.some((n) => !Number.isInteger(n) || n < 0 || n > 4_294_967_295) || !slash) {
      throw new SourceError(`unreadable origin record: ${JSON.stringify(text.slice(0, 200))}`);
    }
    return { origins, prefix, prefixLength: Number(slash[1]), country: orNull(f[2]), registry: orNull(f[3]), allocated: orNull(f[4]) };
  });
}

export function parseAsRecord(records: readonly (readonly string[])[]): AsRecord | null {
  const text = recordTexts(records)[0];
  if (text === undefined) return null;
  const f = fields(text);
  const asn = Number(f[0]);
  if (f.length < 2 || f[0] === "" || !Number.isInteger(asn))
    throw new SourceError(`unreadable AS record: ${JSON.stringify(text.slice(0, 200))}`);
  // the name is the last field and may itself hold a "|" nowhere in practice; join the rest anyway
  return { asn, country: orNull(f[1]), registry: orNull(f[2]), allocated: orNull(f[3]), name: orNull(f.slice(4).join(" | ")) };
}

/**
 * The covering announcement that routing uses: the longest prefix. Records for the same
 * longest prefix from different ASes are merged into one multi-origin answer.
 */
export function mostSpecific(records: readonly OriginRecord[]): OriginRecord | null {
  let best: OriginRecord | null = null;
  for (const r of records) {
    if (best === null || r.prefixLength > best.prefixLength) best = r;
    else if (r.prefixLength === best.prefixLength && r.prefix === best.prefix) {
      const b: OriginRecord = best;
      best = { ...b, origins: [...new Set([...b.origins, ...r.origins])] };
    }
  }
  return best;
}

export interface CymruOptions {
  /** "127.0.0.1:5353", "[::1]:53"; empty: the system's resolvers */
  readonly servers?: readonly string[];
  /** for one answer (all tries), enforced by our own timer */
  readonly timeoutMs: number;
  readonly zone?: string;
}

const NO_RECORD = new Set(["ENOTFOUND", "ENODATA"]);

export class CymruDnsSource implements AsnSource {
  readonly name = "cymru" as const;
  private readonly resolver: Resolver;
  private readonly zone: string;
  // AS names repeat across a bulk lookup: ask once per AS and run.
  private readonly asRecords = new Map<number, Promise<AsRecord | null>>();

  constructor(private readonly o: CymruOptions) {
    // two tries within our deadline; the deadline itself is ours (settleWithin), not c-ares'
    this.resolver = new Resolver({ timeout: Math.max(50, Math.floor(o.timeoutMs / 2)), tries: 2 });
    if (o.servers && o.servers.length > 0) this.resolver.setServers([...o.servers]);
    this.zone = o.zone ?? CYMRU_ZONE;
  }

  /** TXT records of `name`, [] when the name has none; SourceError on any other failure. */
  private async txt(name: string, signal?: AbortSignal): Promise<string[][]> {
    try {
      return await settleWithin(this.resolver.resolveTxt(name), { timeoutMs: this.o.timeoutMs, signal });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== undefined && NO_RECORD.has(code)) return [];
      throw new SourceError(`TXT ${name}: ${code ?? (err as Error).message}`);
    }
  }

  async lookup(ip: IpAddress, signal?: AbortSignal): Promise<AsnAnswer | NotFound> {
    const best = mostSpecific(parseOriginRecords(await this.txt(originQueryName(ip, this.zone), signal)));
    if (best === null) return { kind: "not-found", address: ip.text, source: "cymru" };
    let asName: string | null = null;
    try {
      asName = (await this.asRecord(best.origins[0]!, signal))?.name ?? null;
    } catch {
      // the origin is the answer; a missing name does not make it a failure
    }
    return {
      kind: "answer",
      address: ip.text,
      origins: best.origins,
      prefix: best.prefix,
      country: best.country,
      registry: best.registry,
      allocated: best.allocated,
      asName,
      source: "cymru",
    };
  }

  private asRecord(asn: number, signal?: AbortSignal): Promise<AsRecord | null> {
    let p = this.asRecords.get(asn);
    if (p === undefined) {
      p = this.txt(asQueryName(asn, this.zone), signal).then(parseAsRecord);
      this.asRecords.set(asn, p);
      // a failure is not remembered: the next address asks again
      p.catch(() => this.asRecords.delete(asn));
    }
    return p;
  }

  async describeAs(asn: number, signal?: AbortSignal): Promise<AsFacts | null> {
    const r = await this.asRecord(asn, signal);
    if (r === null) return null;
    // Team Cymru's DNS interface does not list an AS's prefixes
    return { asn, name: r.name, country: r.country, registry: r.registry, allocated: r.allocated, prefixes: null };
  }
}
