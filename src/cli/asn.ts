import { lookup as dnsLookup } from "node:dns/promises";
import { join } from "node:path";
import { parseAsn, type AddressResult, type AsResult } from "../jobs/asn/asn-answer.js";
import { AsnCache, DEFAULT_TTLS } from "../jobs/asn/asn-cache.js";
import { AsnLookup } from "../jobs/asn/asn-lookup.js";
import { buildSources, checkDnsServer, sourceOrder } from "../jobs/asn/asn-sources.js";
import { parseIp, type IpAddress } from "../jobs/asn/ip-address.js";
import { RIPESTAT_URL } from "../jobs/asn/ripestat.js";
import { boundedPool } from "../jobs/bounded-pool.js";
import { JobConfigError, type Environment } from "../jobs/job.js";
import { settleWithin } from "../jobs/network/deadline.js";
import type { OptionSpec } from "../options/option-spec.js";
import { optionsHelp, readOptions } from "../options/read-options.js";
import { asnJsonLine, asnTable, type Row } from "./asn-output.js";
import { die, EXIT_SYSTEM, EXIT_USAGE } from "./die.js";

export const ASN_OPTIONS: readonly OptionSpec[] = [
  {
    name: "source",
    kind: "list",
    env: "CHIME_ASN_SOURCE",
    default: "cymru,ripestat,db",
    value: "cymru,ripestat,db",
    help: "sources in the order tried; the next one when one fails",
  },
  {
    name: "dns-server",
    kind: "list",
    env: "CHIME_ASN_DNS_SERVER",
    value: "ADDR[:PORT]",
    help: "DNS server for Team Cymru's zone (default: the system's)",
  },
  { name: "db", kind: "text", env: "CHIME_ASN_DB", value: "FILE", help: "local iptoasn table (TSV, or .tsv.gz); enables the db source" },
  {
    name: "ripestat-url",
    kind: "text",
    env: "CHIME_ASN_RIPESTAT_URL",
    value: "URL",
    default: RIPESTAT_URL,
    help: "RIPEstat Data API base URL",
  },
  { name: "sourceapp", kind: "text", env: "CHIME_ASN_SOURCEAPP", default: "chime", help: "the sourceapp identifier sent to RIPEstat" },
  { name: "timeout", kind: "duration", env: "CHIME_ASN_TIMEOUT", default: "5s", min: 50, max: 120_000, help: "deadline of each query" },
  { name: "concurrency", kind: "count", env: "CHIME_ASN_CONCURRENCY", default: "16", min: 1, max: 256, help: "lookups at once" },
  {
    name: "state-dir",
    kind: "text",
    env: "CHIME_STATE_DIR",
    value: "DIR",
    help: "keep a cache of answers there (asn-cache.json); none without it",
  },
  {
    name: "cache-ttl",
    kind: "duration",
    env: "CHIME_ASN_CACHE_TTL",
    default: "4h",
    min: 0,
    max: 7 * 86_400_000,
    help: "how long a cached answer is used (a not-found: at most 1h)",
  },
  { name: "json", kind: "switch", env: "CHIME_ASN_JSON", help: "one JSON object per line instead of the table" },
  { name: "help", kind: "switch", short: "h", help: "this text" },
];

const USAGE = "usage: chime asn [options] ADDRESS|NAME|ASN…   (no argument or -: one per line on stdin)";

export const ASN_HELP = `${USAGE}

For each IPv4/IPv6 address: the origin AS number(s), the announced prefix, the registry's
country, the registry and allocation date, and the AS name. A NAME is resolved and every
address it has is looked up. For AS64500 (or as64500): the AS's name and announced prefixes.
Addresses of private, shared, loopback, link-local, documentation, multicast and other
special-purpose blocks (RFC 6890) are answered as such, without a query.

Sources: cymru (Team Cymru's DNS interface, origin.asn.cymru.com TXT), ripestat (RIPEstat's
Data API), db (a local iptoasn table, --db; kept fresh by the asn-db job).

options (each also read from the environment variable shown):
${optionsHelp(ASN_OPTIONS)}
Exit codes: 0 every query answered (not-found included); 100 bad usage or input (named);
111 some query could not be answered by any source, or a name could not be resolved.`;

/** `--source cymru,db` as well as `--source cymru --source db` */
function commaWords(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(","))
    .map((w) => w.trim())
    .filter((w) => w !== "");
}

/** One thing to look up, with where it came from for error messages. */
type Query = { text: string; from: string } & ({ kind: "ip"; ip: IpAddress } | { kind: "as"; asn: number } | { kind: "name" });

// a host name as RFC 1123 allows it (letters, digits, hyphens, dots; a trailing dot)
const HOST_NAME = /^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

function classify(text: string, from: string): Query {
  const ip = parseIp(text);
  if (ip !== null) return { kind: "ip", ip, text, from };
  const asn = parseAsn(text);
  if (asn !== null) return { kind: "as", asn, text, from };
  if (/^as\d+$/i.test(text)) die(EXIT_USAGE, `asn: AS number out of range (0…4294967295): ${JSON.stringify(text)} (${from})`);
  if (HOST_NAME.test(text) && !/^[\d.]+$/.test(text)) return { kind: "name", text, from };
  die(EXIT_USAGE, `asn: not an address, AS number or host name: ${JSON.stringify(text)} (${from})`);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function stdinQueries(text: string): Query[] {
  const out: Query[] = [];
  text.split("\n").forEach((line, i) => {
    const t = line.replace(/#.*/, "").trim();
    if (t !== "") out.push(classify(t, `stdin line ${i + 1}`));
  });
  return out;
}

export async function runAsn(args: readonly string[], env: Environment, out: (line: string) => void): Promise<number> {
  let o;
  try {
    o = readOptions("asn", ASN_OPTIONS, { args, env });
  } catch (err) {
    if (err instanceof JobConfigError) die(EXIT_USAGE, `${err.message} (${USAGE})`);
    throw err;
  }
  if (o.switch("help")) {
    out(ASN_HELP.trimEnd());
    return 0;
  }
  const dbPath = o.text("db");
  let order;
  let dnsServers;
  try {
    order = sourceOrder(commaWords(o.list("source")), dbPath, "asn", o.source("source"));
    dnsServers = commaWords(o.list("dns-server")).map((s) => checkDnsServer(s, "asn", o.source("dns-server")));
  } catch (err) {
    if (err instanceof JobConfigError) die(EXIT_USAGE, err.message);
    throw err;
  }
  if (order.length === 0) die(EXIT_USAGE, `asn: ${o.source("source")}: no source left to ask (db needs --db FILE)`);

  const queries: Query[] = [];
  o.positionals.forEach((p, i) => {
    if (p !== "-") queries.push(classify(p, `argument ${i + 1}`));
  });
  if (o.positionals.length === 0 || o.positionals.includes("-")) {
    if (o.positionals.length === 0 && process.stdin.isTTY) die(EXIT_USAGE, `asn: nothing to look up (${USAGE})`);
    queries.push(...stdinQueries(await readStdin()));
  }

  const timeoutMs = o.duration("timeout");
  const stateDir = o.text("state-dir");
  const ttl = o.duration("cache-ttl");
  const cache = await AsnCache.open(stateDir === undefined ? null : join(stateDir, "asn-cache.json"), Date.now, {
    answerMs: ttl,
    notFoundMs: Math.min(ttl, DEFAULT_TTLS.notFoundMs),
  });
  const lookup = new AsnLookup({
    sources: buildSources({ order, dnsServers, dbPath, ripestatUrl: o.text("ripestat-url")!, sourceApp: o.text("sourceapp")!, timeoutMs }),
    cache,
  });

  // Names first: a name that does not exist is bad input, reported before anything is asked.
  const signal = new AbortController().signal;
  const expanded = await boundedPool(
    queries,
    o.count("concurrency"),
    signal,
    async (q): Promise<{ q: Query; ips: IpAddress[]; error?: string }> => {
      if (q.kind === "ip") return { q, ips: [q.ip] };
      if (q.kind === "as") return { q, ips: [] };
      try {
        const found = await settleWithin(dnsLookup(q.text, { all: true, verbatim: true }), { timeoutMs });
        const ips = [
          ...new Map(
            found
              .map((a) => parseIp(a.address))
              .filter((ip): ip is IpAddress => ip !== null)
              .map((ip) => [ip.text, ip]),
          ).values(),
        ];
        return { q, ips };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ENOTFOUND" || code === "ENODATA") die(EXIT_USAGE, `asn: no address for name ${JSON.stringify(q.text)} (${q.from})`);
        return { q, ips: [], error: `cannot resolve ${q.text}: ${code ?? (err as Error).message}` };
      }
    },
    (q) => ({ q, ips: [] }),
  );

  type Work = { query: string; ip: IpAddress } | { query: string; asn: number } | { query: string; error: string };
  const work: Work[] = expanded.flatMap(({ q, ips, error }): Work[] => {
    if (error !== undefined) return [{ query: q.text, error }];
    if (q.kind === "as") return [{ query: q.text, asn: q.asn }];
    return ips.map((ip) => ({ query: q.text, ip }));
  });
  const rows: Row[] = await boundedPool(
    work,
    o.count("concurrency"),
    signal,
    async (w): Promise<Row> => {
      if ("error" in w) return { query: w.query, result: { kind: "failed", address: "", errors: [w.error] } satisfies AddressResult };
      if ("asn" in w) return { query: w.query, result: (await lookup.as(w.asn)) satisfies AsResult };
      return { query: w.query, result: await lookup.address(w.ip) };
    },
    (w) => ({ query: w.query, result: { kind: "failed", address: "", errors: ["stopped"] } }),
  );
  try {
    await cache.save();
  } catch (err) {
    process.stderr.write(
      `chime: asn: cannot save the cache in ${stateDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`,
    );
  }

  if (o.switch("json")) for (const r of rows) out(asnJsonLine(r));
  else for (const line of asnTable(rows)) out(line);
  const failed = rows.filter((r) => r.result.kind === "failed" || r.result.kind === "as-failed");
  for (const f of failed) {
    const errs = f.result.kind === "failed" || f.result.kind === "as-failed" ? f.result.errors : [];
    process.stderr.write(`chime: asn: ${f.query}: ${errs.join("; ")}\n`);
  }
  if (failed.length > 0) return EXIT_SYSTEM;
  return 0;
}
