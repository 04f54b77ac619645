import { join } from "node:path";
import type { AddressResult } from "../asn/asn-answer.js";
import { AsnCache, CACHE_FILE } from "../asn/asn-cache.js";
import { AsnLookup } from "../asn/asn-lookup.js";
import { buildSources, checkDnsServer, sourceOrder, type SourceSettings } from "../asn/asn-sources.js";
import { parseIp, type IpAddress } from "../asn/ip-address.js";
import { RIPESTAT_URL } from "../asn/ripestat.js";
import type { SpecialRange } from "../asn/special-ranges.js";
import type { JobContext } from "../job.js";
import { settleWithin } from "../network/deadline.js";
import type { OptionSpec } from "../../options/option-spec.js";
import type { Options } from "../../options/read-options.js";
import type { PeerReport, Problem } from "./judge-peers.js";

/**
 * ntp-check --asn: who runs each peer. "Independent" peers in one network are not independent —
 * one operator's mistake (the leap-second incident's hobbyist pool servers) reaches all of them —
 * so the truechimers that decide the time should span at least --min-asns origin ASes. The
 * lookups run after the NTP measurement (or come from the cache) and never change its verdict:
 * a failed lookup is a note in the status line, nothing more.
 */
export const NTP_ASN_OPTIONS: readonly OptionSpec[] = [
  {
    name: "asn",
    kind: "switch",
    env: "CHIME_NTP_ASN",
    help: "annotate peers with their origin AS; WARNING when the truechimers sit in fewer than --min-asns ASes",
  },
  {
    name: "min-asns",
    kind: "count",
    env: "CHIME_NTP_MIN_ASNS",
    min: 1,
    max: 64,
    help: "distinct ASes the truechimers must span (default 2 with 3 or more peers, else 1)",
  },
  {
    name: "asn-source",
    kind: "list",
    env: "CHIME_NTP_ASN_SOURCE",
    value: "cymru,ripestat,db",
    default: "cymru,ripestat,db",
    help: "ASN sources, in order (chime asn --source)",
  },
  {
    name: "asn-dns-server",
    kind: "list",
    env: "CHIME_NTP_ASN_DNS_SERVER",
    value: "ADDR[:PORT]",
    help: "DNS server for Team Cymru's zone (default: the system's)",
  },
  { name: "asn-db", kind: "text", env: "CHIME_NTP_ASN_DB", value: "FILE", help: "local iptoasn table (the asn-db job keeps it fresh)" },
  {
    name: "asn-ripestat-url",
    kind: "text",
    env: "CHIME_NTP_ASN_RIPESTAT_URL",
    value: "URL",
    default: RIPESTAT_URL,
    help: "RIPEstat Data API base URL",
  },
  {
    name: "asn-timeout",
    kind: "duration",
    env: "CHIME_NTP_ASN_TIMEOUT",
    default: "3s",
    min: 50,
    max: 60_000,
    unitRequired: true,
    help: "deadline of each ASN query",
  },
];

export interface AsnCheckConfig {
  /** null: 2 when at least 3 peers are configured, else no check */
  readonly minAsns: number | null;
  readonly sources: SourceSettings;
}

const words = (values: readonly string[]): string[] =>
  values
    .flatMap((v) => v.split(","))
    .map((w) => w.trim())
    .filter((w) => w !== "");

/** The --asn settings from ntp-check's options; null without --asn. */
export function asnCheckConfig(o: Options): AsnCheckConfig | null {
  if (!o.switch("asn")) return null;
  const dbPath = o.text("asn-db");
  const order = sourceOrder(words(o.list("asn-source")), dbPath, "ntp-check", o.source("asn-source"));
  return {
    minAsns: o.has("min-asns") ? o.count("min-asns") : null,
    sources: {
      order,
      dnsServers: words(o.list("asn-dns-server")).map((s) => checkDnsServer(s, "ntp-check", o.source("asn-dns-server"))),
      dbPath,
      ripestatUrl: o.text("asn-ripestat-url")!,
      sourceApp: "chime-ntp-check",
      timeoutMs: o.duration("asn-timeout"),
    },
  };
}

export interface PeerAsns {
  /** by peer label */
  readonly results: ReadonlyMap<string, AddressResult>;
  readonly problems: readonly Problem[];
  /** for the status line, changing nothing: "AS unknown for …" */
  readonly notes: readonly string[];
  /** distinct networks among the truechimers whose AS is known */
  readonly truechimerAsns: number;
}

/** "AS64500 EXAMPLE-NET (DE)", "loopback (RFC 1122)", "unknown" — one table cell. */
export function asnText(r: AddressResult | undefined): string {
  if (r === undefined) return "-";
  if (r.kind === "answer") return `AS${r.origins.join("+AS")}${r.asName ? ` ${r.asName}` : ""}${r.country ? ` (${r.country})` : ""}`;
  if (r.kind === "special") return `${r.purpose} (${r.rfc})`;
  if (r.kind === "not-found") return "not announced";
  return "unknown";
}

/** What makes two peers "the same network": the first origin AS, or the special block. */
function networkKey(r: AddressResult): string | null {
  if (r.kind === "answer") return `AS${r.origins[0]}`;
  if (r.kind === "special") return `${r.purpose} ${r.prefix}`;
  return null;
}

/** The judgement of the ASes, a pure function of the answers. */
export function judgeAsns(
  peers: readonly PeerReport[],
  results: ReadonlyMap<string, AddressResult>,
  minAsns: number,
): Omit<PeerAsns, "results"> {
  const truechimers = peers.filter((p) => p.verdict === "valid");
  const groups = new Map<string, string[]>();
  const unknown: string[] = [];
  for (const p of truechimers) {
    const r = results.get(p.label);
    const key = r === undefined ? null : networkKey(r);
    if (key === null) unknown.push(p.label);
    else groups.set(key, [...(groups.get(key) ?? []), p.label]);
  }
  const notes: string[] = [];
  const problems: Problem[] = [];
  if (unknown.length > 0) {
    const why = unknown.map((l) => {
      const r = results.get(l);
      return r?.kind === "failed" ? `${l} (${r.errors.join("; ")})` : r?.kind === "not-found" ? `${l} (not announced)` : l;
    });
    notes.push(`AS unknown for ${why.join(", ")}${groups.size < minAsns ? `: --min-asns ${minAsns} not checked` : ""}`);
  } else if (truechimers.length > 0 && groups.size < minAsns) {
    const where = [...groups].map(([k, labels]) => {
      const r = results.get(labels[0]!)!;
      return `${r.kind === "answer" ? asnText(r) : k}: ${labels.join(", ")}`;
    });
    problems.push({
      severity: "warning",
      text: `truechimers in ${groups.size} AS${groups.size === 1 ? "" : "es"}, fewer than --min-asns ${minAsns} (${where.join("; ")})`,
    });
  }
  return { problems, notes, truechimerAsns: groups.size };
}

/**
 * Looks every polled peer up (cache first, in the state directory) and judges the truechimers.
 * `peers` carry the address each label stands for. The whole lookup has one deadline of its own:
 * every source's query deadline, once per source, plus a second.
 */
export async function peerAsns(
  peers: readonly { report: PeerReport; address: string | null }[],
  cfg: AsnCheckConfig,
  configured: number,
  ctx: JobContext,
  special?: (ip: IpAddress) => SpecialRange | null,
): Promise<PeerAsns> {
  const cache = await AsnCache.open(ctx.stateDir === "" ? null : join(ctx.stateDir, CACHE_FILE), () => Date.now());
  const lookup = new AsnLookup({ sources: buildSources(cfg.sources), cache, ...(special ? { special } : {}) });
  const budgetMs = cfg.sources.timeoutMs * Math.max(1, cfg.sources.order.length) * 2 + 1000;
  const results = new Map<string, AddressResult>();
  await Promise.all(
    peers.map(async ({ report, address }) => {
      const ip = address === null ? null : parseIp(address);
      if (ip === null) return;
      try {
        results.set(report.label, await settleWithin(lookup.address(ip, ctx.signal), { timeoutMs: budgetMs, signal: ctx.signal }));
      } catch (err) {
        results.set(report.label, { kind: "failed", address: ip.text, errors: [(err as Error).message] });
      }
    }),
  );
  try {
    await cache.save();
  } catch (err) {
    ctx.log.warn(`cannot save the ASN cache in ${ctx.stateDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  for (const { report } of peers) {
    const r = results.get(report.label);
    if (r === undefined) continue;
    const fields =
      r.kind === "answer"
        ? { asn: r.origins[0], as_name: r.asName ?? "", country: r.country ?? "", prefix: r.prefix ?? "", source: r.source }
        : { asn_result: r.kind };
    ctx.log.info({ peer: report.label, ...fields }, `peer ${report.label}: ${asnText(r)}`);
  }
  const minAsns = cfg.minAsns ?? (configured >= 3 ? 2 : 1);
  return {
    results,
    ...judgeAsns(
      peers.map((p) => p.report),
      results,
      minAsns,
    ),
  };
}
