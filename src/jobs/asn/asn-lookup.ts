import { SourceError, type AddressResult, type AsFacts, type AsnSource, type AsResult, type SourceName } from "./asn-answer.js";
import type { AsnCache } from "./asn-cache.js";
import type { IpAddress } from "./ip-address.js";
import { specialRange, type SpecialRange } from "./special-ranges.js";

/**
 * The one way chime asks who announces an address: special-purpose blocks first (no query),
 * then the cache, then each selected source in order until one answers. A source that fails
 * (network, deadline, garbage) hands over to the next; one that answers "not found" is believed.
 */
export interface AsnLookupOptions {
  readonly sources: readonly AsnSource[];
  readonly cache?: AsnCache | null;
  /** which addresses are answered without a query (default: the RFC 6890 registries) */
  readonly special?: (ip: IpAddress) => SpecialRange | null;
}

function why(source: SourceName, err: unknown): string {
  if (err instanceof SourceError) return `${source}: ${err.message}`;
  const e = err as NodeJS.ErrnoException;
  return `${source}: ${e?.code ?? e?.message ?? String(err)}`;
}

export class AsnLookup {
  constructor(private readonly o: AsnLookupOptions) {}

  async address(ip: IpAddress, signal?: AbortSignal): Promise<AddressResult> {
    const special = (this.o.special ?? specialRange)(ip);
    if (special !== null) return { kind: "special", address: ip.text, ...special };
    const cached = this.o.cache?.address(ip.text);
    if (cached !== undefined) return cached;
    const errors: string[] = [];
    for (const source of this.o.sources) {
      if (signal?.aborted) break;
      try {
        const r = await source.lookup(ip, signal);
        this.o.cache?.putAddress(r);
        return r;
      } catch (err) {
        errors.push(why(source.name, err));
      }
    }
    if (errors.length === 0) errors.push("stopped before any source answered");
    return { kind: "failed", address: ip.text, errors };
  }

  /**
   * What the sources know of an AS, merged in source order: Team Cymru names an AS but lists no
   * prefixes, so the next source that can is asked for those.
   */
  async as(asn: number, signal?: AbortSignal): Promise<AsResult> {
    const cached = this.o.cache?.as(asn);
    if (cached !== undefined) return cached;
    const errors: string[] = [];
    const used: SourceName[] = [];
    let facts: AsFacts | null = null;
    for (const source of this.o.sources) {
      if (signal?.aborted) break;
      try {
        const f = await source.describeAs(asn, signal);
        if (f === null) continue;
        used.push(source.name);
        facts =
          facts === null
            ? f
            : {
                asn,
                name: facts.name ?? f.name,
                country: facts.country ?? f.country,
                registry: facts.registry ?? f.registry,
                allocated: facts.allocated ?? f.allocated,
                prefixes: facts.prefixes ?? f.prefixes,
              };
        if (facts.name !== null && facts.prefixes !== null) break;
      } catch (err) {
        errors.push(why(source.name, err));
      }
    }
    if (facts === null) {
      // every source answered "unknown AS": that is an answer, not a failure
      if (errors.length === 0) {
        const d = { kind: "as" as const, asn, name: null, country: null, registry: null, allocated: null, prefixes: [], sources: [] };
        return d;
      }
      return { kind: "as-failed", asn, errors };
    }
    const d = { kind: "as" as const, ...facts, sources: used };
    this.o.cache?.putAs(d);
    return d;
  }
}
