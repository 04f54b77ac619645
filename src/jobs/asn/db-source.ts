import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { SourceError, type AsFacts, type AsnAnswer, type AsnSource, type NotFound } from "./asn-answer.js";
import { IpToAsnTable } from "./iptoasn-table.js";
import type { IpAddress } from "./ip-address.js";

/** gzip's magic number (RFC 1952 §2.3.1): iptoasn publishes the table as .tsv.gz. */
export function isGzip(data: Uint8Array): boolean {
  return data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
}

/** The table in `path`, plain or gzipped; TableFormatError or the file system's error. */
export async function loadTable(path: string): Promise<IpToAsnTable> {
  const raw = await readFile(path);
  const data = isGzip(raw) ? gunzipSync(raw) : raw;
  return IpToAsnTable.parse(data.toString("utf8"), path);
}

/** The local table (`--db FILE`): answers with no network at all. Loaded once, on first use. */
export class DbSource implements AsnSource {
  readonly name = "db" as const;
  private table: Promise<IpToAsnTable> | null = null;

  constructor(private readonly path: string) {}

  private async load(): Promise<IpToAsnTable> {
    this.table ??= loadTable(this.path);
    try {
      return await this.table;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new SourceError(e.code ? `cannot read ${this.path}: ${e.code}` : e.message);
    }
  }

  async lookup(ip: IpAddress): Promise<AsnAnswer | NotFound> {
    const hit = (await this.load()).lookup(ip);
    if (hit === null || hit.asn === 0) return { kind: "not-found", address: ip.text, source: "db" };
    return {
      kind: "answer",
      address: ip.text,
      origins: [hit.asn],
      prefix: hit.prefix,
      country: hit.country,
      registry: null,
      allocated: null,
      asName: hit.name,
      source: "db",
    };
  }

  async describeAs(asn: number): Promise<AsFacts | null> {
    const d = (await this.load()).describeAs(asn);
    return d === null ? null : { asn, name: d.name, country: d.country, registry: null, allocated: null, prefixes: d.prefixes };
  }
}
