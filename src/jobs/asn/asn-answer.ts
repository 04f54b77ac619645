/**
 * What an ASN source says about an address or an AS, in one shape whichever source said it,
 * so the sources can stand in for each other (`--source cymru,ripestat,db`).
 */
export type SourceName = "cymru" | "ripestat" | "db";

export const SOURCE_NAMES: readonly SourceName[] = ["cymru", "ripestat", "db"];

/** The address is announced: who originates the covering prefix. */
export interface AsnAnswer {
  readonly kind: "answer";
  /** canonical text */
  readonly address: string;
  /** origin AS numbers; more than one when several ASes announce the same prefix (MOAS) */
  readonly origins: readonly number[];
  /** the most specific announced prefix covering the address ("192.0.2.0/24"), or a range */
  readonly prefix: string | null;
  /** ISO 3166 code the registry has for the prefix (not a geolocation) */
  readonly country: string | null;
  /** "ripencc", "arin", … */
  readonly registry: string | null;
  /** YYYY-MM-DD */
  readonly allocated: string | null;
  /** the first origin's name */
  readonly asName: string | null;
  readonly source: SourceName;
}

/** The source knows the address and says nobody announces it. */
export interface NotFound {
  readonly kind: "not-found";
  readonly address: string;
  readonly source: SourceName;
}

/** An address of a special-purpose block (special-ranges.ts): answered without a query. */
export interface SpecialAnswer {
  readonly kind: "special";
  readonly address: string;
  readonly prefix: string;
  readonly purpose: string;
  readonly rfc: string;
}

/** Every source selected failed (an error each, not a "not found"). */
export interface LookupFailed {
  readonly kind: "failed";
  readonly address: string;
  /** "cymru: …", one per source tried */
  readonly errors: readonly string[];
}

export type AddressResult = AsnAnswer | NotFound | SpecialAnswer | LookupFailed;

/** What is known of one AS. */
export interface AsDescription {
  readonly kind: "as";
  readonly asn: number;
  readonly name: string | null;
  readonly country: string | null;
  readonly registry: string | null;
  readonly allocated: string | null;
  /** announced prefixes; null when no source that lists them answered */
  readonly prefixes: readonly string[] | null;
  /** every source that contributed */
  readonly sources: readonly SourceName[];
}

export interface AsFailed {
  readonly kind: "as-failed";
  readonly asn: number;
  readonly errors: readonly string[];
}

export type AsResult = AsDescription | AsFailed;

/** One source's partial knowledge of an AS (fields it cannot know are null). */
export type AsFacts = Omit<AsDescription, "kind" | "sources">;

/** One way of answering. A failure (network, garbage, deadline) throws SourceError. */
export interface AsnSource {
  readonly name: SourceName;
  lookup(address: import("./ip-address.js").IpAddress, signal?: AbortSignal): Promise<AsnAnswer | NotFound>;
  /** null: the source does not know the AS */
  describeAs(asn: number, signal?: AbortSignal): Promise<AsFacts | null>;
}

/** A source could not answer (as opposed to answering "not found"): the next one is tried. */
export class SourceError extends Error {
  override readonly name = "SourceError";
}

/** The largest AS number (RFC 6793: four octets). */
export const MAX_ASN = 4_294_967_295;

/** "AS64500", "as64500" or "64500" with `bare` → 64500; null otherwise. */
export function parseAsn(text: string, bare = false): number | null {
  const m = (bare ? /^(?:AS)?(\d{1,10})$/i : /^AS(\d{1,10})$/i).exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  return n <= MAX_ASN ? n : null;
}
