import { JobConfigError, type JobSpec } from "../job.js";
import { optionsHelp, readOptions } from "../../options/read-options.js";
import { ASN_DB_OPTIONS } from "./asn-db-options.js";
import { refreshTable, type AsnDbConfig } from "./refresh-table.js";

const USAGE = "asn-db --url URL --out FILE [options]";

const HELP = `usage: chime [DAEMON OPTIONS] ${USAGE}
e.g.   chime --when ,H=4 asn-db --url https://iptoasn.com/data/ip2asn-combined.tsv.gz --out /var/db/ip2asn.tsv

Keeps a local IP-to-ASN table (the TSV iptoasn publishes: range_start, range_end, AS_number,
country_code, AS_description) fresh for \`chime asn --db FILE\` and \`ntp-check --asn-db FILE\`.
Each run is a conditional download (nothing is fetched when the table has not changed); a
gzipped table is decompressed. The new table replaces FILE atomically, and only when it parses
completely, has at least --min-ranges ranges and has not shrunk by more than --max-shrink
against the table in place: a truncated or garbled download never replaces a good table.
Status: ok (updated or not modified), warning (not refreshed: network, HTTP status), critical
(download refused; the old table is kept).

options (each also read from the environment variable shown):
${optionsHelp(ASN_DB_OPTIONS)}`;

export const asnDbSpec: JobSpec = {
  name: "asn-db",
  usage: USAGE,
  help: HELP,
  options: ASN_DB_OPTIONS,
  create(args, env) {
    const o = readOptions("asn-db", ASN_DB_OPTIONS, { args, env });
    if (o.positionals.length > 0)
      throw new JobConfigError(`asn-db: unexpected argument: ${JSON.stringify(o.positionals[0])} (usage: ${USAGE})`);
    const url = o.text("url");
    const out = o.text("out");
    if (url === undefined) throw new JobConfigError(`asn-db: --url (or CHIME_ASN_DB_URL) is required (usage: ${USAGE})`);
    if (out === undefined || out === "") throw new JobConfigError(`asn-db: --out (or CHIME_ASN_DB_OUT) is required (usage: ${USAGE})`);
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      // reported below
    }
    if (parsed === null || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
      throw new JobConfigError(`asn-db: ${o.source("url")}: not an http(s) URL: ${JSON.stringify(url)}`);
    }
    const cfg: AsnDbConfig = {
      url,
      out,
      timeoutMs: o.duration("timeout"),
      maxBytes: o.size("max-size"),
      maxShrink: o.percent("max-shrink"),
      minRanges: o.count("min-ranges"),
    };
    return { name: "asn-db", run: (ctx) => refreshTable(cfg, ctx) };
  },
};
