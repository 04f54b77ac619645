import { JobConfigError } from "../job.js";
import { SOURCE_NAMES, type AsnSource, type SourceName } from "./asn-answer.js";
import { CymruDnsSource } from "./cymru-dns.js";
import { DbSource } from "./db-source.js";
import { RipeStatSource } from "./ripestat.js";

/** What selects and configures the sources, the same words for `chime asn` and ntp-check --asn. */
export interface SourceSettings {
  /** in the order to try them */
  readonly order: readonly SourceName[];
  /** DNS servers for Team Cymru's zone ("127.0.0.1:5353"); empty: the system's */
  readonly dnsServers: readonly string[];
  /** the iptoasn table; the db source needs it */
  readonly dbPath: string | undefined;
  readonly ripestatUrl: string;
  readonly sourceApp: string;
  /** per query */
  readonly timeoutMs: number;
}

/** `--source` words, checked: known names, each once; `db` only with a table to read. */
export function sourceOrder(words: readonly string[], dbPath: string | undefined, command: string, from: string): SourceName[] {
  const out: SourceName[] = [];
  for (const w of words) {
    if (!(SOURCE_NAMES as readonly string[]).includes(w))
      throw new JobConfigError(`${command}: ${from}: not a source (${SOURCE_NAMES.join(", ")}): ${JSON.stringify(w)}`);
    if (out.includes(w as SourceName)) throw new JobConfigError(`${command}: ${from}: source named twice: ${JSON.stringify(w)}`);
    out.push(w as SourceName);
  }
  // The default order lists db last; without a table there is nothing for it to read.
  return dbPath === undefined ? out.filter((s) => s !== "db") : out;
}

/** A DNS server as node:dns takes it: "ADDR", "ADDR:PORT", "[V6]:PORT". */
export function checkDnsServer(text: string, command: string, from: string): string {
  const ok =
    /^(\d{1,3}(\.\d{1,3}){3})(:\d{1,5})?$/.test(text) ||
    /^\[[0-9a-fA-F:.]+\](:\d{1,5})?$/.test(text) ||
    /^[0-9a-fA-F:]+:[0-9a-fA-F:.]*$/.test(text);
  if (!ok)
    throw new JobConfigError(`${command}: ${from}: not a DNS server address (ADDR, ADDR:PORT or [V6]:PORT): ${JSON.stringify(text)}`);
  return text;
}

export function buildSources(s: SourceSettings): AsnSource[] {
  return s.order.map((name): AsnSource => {
    if (name === "cymru") return new CymruDnsSource({ servers: s.dnsServers, timeoutMs: s.timeoutMs });
    if (name === "ripestat") return new RipeStatSource({ baseUrl: s.ripestatUrl, sourceApp: s.sourceApp, timeoutMs: s.timeoutMs });
    return new DbSource(s.dbPath!);
  });
}
