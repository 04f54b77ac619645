import { isIP } from "node:net";
import { JobConfigError, type Environment } from "../job.js";
import type { OptionSpec } from "../../options/option-spec.js";
import { readOptions } from "../../options/read-options.js";

/** What the include says about a blocked name (unbound.conf(5), local-zone types). */
export const ACTIONS = ["always_nxdomain", "always_null", "refuse", "redirect"] as const;
export type BlockAction = (typeof ACTIONS)[number];

export const OPTIONS: readonly OptionSpec[] = [
  { name: "source", kind: "list", env: "CHIME_DNS_SOURCES", value: "URL|FILE", help: "a list to read (repeatable), like SOURCE" },
  { name: "include", kind: "text", env: "CHIME_DNS_INCLUDE", value: "FILE", help: "the unbound include to write (required)" },
  {
    name: "unbound-conf",
    kind: "text",
    env: "CHIME_DNS_UNBOUND_CONF",
    value: "FILE",
    default: "/etc/unbound/unbound.conf",
    help: "unbound's configuration (includes --include)",
  },
  {
    name: "unbound-control",
    kind: "text",
    env: "CHIME_DNS_UNBOUND_CONTROL",
    value: "PROGRAM",
    default: "unbound-control",
    help: "how to run unbound-control",
  },
  {
    name: "unbound-checkconf",
    kind: "text",
    env: "CHIME_DNS_UNBOUND_CHECKCONF",
    value: "PROGRAM",
    default: "unbound-checkconf",
    help: "how to run unbound-checkconf",
  },
  {
    name: "action",
    kind: "text",
    env: "CHIME_DNS_ACTION",
    choices: ACTIONS,
    value: "TYPE",
    default: "always_nxdomain",
    help: "what a blocked name answers: " + ACTIONS.join(", "),
  },
  { name: "sink", kind: "text", env: "CHIME_DNS_SINK", value: "ADDRESS", help: "--action redirect: blocked names answer it" },
  { name: "allow", kind: "list", env: "CHIME_DNS_ALLOW", value: "FILE", help: "names never blocked (name, *.name; repeatable)" },
  {
    name: "protect",
    kind: "list",
    env: "CHIME_DNS_PROTECT",
    value: "FILE",
    help: "names and addresses never blocked: a list blocking one is refused (repeatable)",
  },
  { name: "max-shrink", kind: "percent", env: "CHIME_DNS_MAX_SHRINK", default: "50%", help: "refuse a list that shrinks more" },
  // above 100 %: a source added on purpose may more than double the list
  {
    name: "max-growth",
    kind: "percent",
    env: "CHIME_DNS_MAX_GROWTH",
    default: "100%",
    max: 100_000,
    help: "refuse a list that grows more",
  },
  {
    name: "max-age",
    kind: "duration",
    env: "CHIME_DNS_MAX_AGE",
    default: "7d",
    min: 60_000,
    help: "every source failing is CRITICAL after this",
  },
  {
    name: "timeout",
    kind: "duration",
    env: "CHIME_DNS_TIMEOUT",
    default: "60s",
    min: 1000,
    max: 3_600_000,
    help: "limit for each download, redirects included",
  },
  { name: "max-size", kind: "size", env: "CHIME_DNS_MAX_SIZE", default: "64M", min: 1024, help: "a larger download is refused" },
  {
    name: "max-redirects",
    kind: "count",
    env: "CHIME_DNS_MAX_REDIRECTS",
    default: "5",
    min: 0,
    max: 20,
    help: "redirects followed (same origin only)",
  },
  { name: "keep", kind: "count", env: "CHIME_DNS_KEEP", default: "10", min: 1, max: 1000, help: "applied versions kept for --rollback" },
  { name: "pf-table", kind: "text", env: "CHIME_DNS_PF_TABLE", value: "FILE", help: "write the networks there for pfctl -T replace -f" },
  { name: "nft-set", kind: "text", env: "CHIME_DNS_NFT_SET", value: "FILE", help: "write an nft -f script refilling the sets there" },
  {
    name: "nft-table",
    kind: "text",
    env: "CHIME_DNS_NFT_TABLE",
    default: "inet filter",
    value: "FAMILY NAME",
    help: "the table holding the sets",
  },
  {
    name: "nft-set-name",
    kind: "text",
    env: "CHIME_DNS_NFT_SET_NAME",
    default: "dns_blocklist",
    value: "NAME",
    help: "sets NAME_v4 and NAME_v6",
  },
  { name: "prom-file", kind: "text", env: "CHIME_DNS_PROM_FILE", value: "PATH", help: "write Prometheus metrics there" },
  { name: "rollback", kind: "switch", help: "re-apply version N [default: the one before]" },
];

export interface DnsBlocklistSettings {
  sources: string[];
  include: string;
  unboundConf: string;
  unboundControl: string;
  unboundCheckconf: string;
  action: BlockAction;
  sink: string | undefined;
  allow: string[];
  protect: string[];
  maxShrinkPercent: number;
  maxGrowthPercent: number;
  maxAgeMs: number;
  timeoutMs: number;
  maxSizeBytes: number;
  maxRedirects: number;
  keep: number;
  pfTable: string | undefined;
  nftSet: string | undefined;
  nftTable: string;
  nftSetName: string;
  promFile: string | undefined;
  /** --rollback: null for "the version before the current one" */
  rollback: { version: number | null } | undefined;
}

const NFT_WORD = /^[A-Za-z][A-Za-z0-9_]*$/;

export function readSettings(args: readonly string[], env: Environment): DnsBlocklistSettings {
  const o = readOptions("dns-blocklist", OPTIONS, { args, env });
  const bad = (name: string, why: string, value: string): never => {
    throw new JobConfigError(`dns-blocklist: ${o.source(name)}: ${why}: ${JSON.stringify(value)}`);
  };
  const rollback = o.switch("rollback");
  let rollbackVersion: number | null = null;
  let sources: string[];
  if (rollback) {
    if (o.positionals.length > 1) bad("rollback", "takes at most one version number", o.positionals.join(" "));
    const n = o.positionals[0];
    if (n !== undefined) {
      if (!/^[1-9]\d{0,8}$/.test(n)) throw new JobConfigError(`dns-blocklist: --rollback: not a version number: ${JSON.stringify(n)}`);
      rollbackVersion = Number(n);
    }
    sources = [];
  } else {
    sources = [...o.list("source"), ...o.positionals];
    if (sources.length === 0) throw new JobConfigError("dns-blocklist: no SOURCE given (arguments, --source or CHIME_DNS_SOURCES)");
    for (const s of sources) if (s === "") throw new JobConfigError("dns-blocklist: an empty SOURCE");
  }
  const include = o.text("include");
  if (include === undefined || include === "")
    throw new JobConfigError("dns-blocklist: --include FILE is required (the unbound include this job writes)");
  const action = o.text("action") as BlockAction;
  const sink = o.text("sink");
  if (action === "redirect") {
    if (sink === undefined) throw new JobConfigError("dns-blocklist: --action redirect needs --sink ADDRESS");
    if (isIP(sink) === 0) bad("sink", "not an IPv4 or IPv6 address", sink);
  } else if (sink !== undefined) bad("sink", "only used with --action redirect", sink);
  const nftTable = o.text("nft-table")!;
  const tableWords = nftTable.trim().split(/\s+/);
  if (
    tableWords.length !== 2 ||
    !["ip", "ip6", "inet", "bridge", "netdev", "arp"].includes(tableWords[0]!) ||
    !NFT_WORD.test(tableWords[1]!)
  ) {
    bad("nft-table", 'not an nftables FAMILY NAME like "inet filter"', nftTable);
  }
  const nftSetName = o.text("nft-set-name")!;
  if (!NFT_WORD.test(nftSetName)) bad("nft-set-name", "not an nftables set name (letters, digits, _)", nftSetName);
  const optionalPath = (name: string): string | undefined => {
    const p = o.text(name);
    if (p === "") bad(name, "must not be empty", p);
    return p;
  };
  return {
    sources,
    include,
    unboundConf: o.text("unbound-conf")!,
    unboundControl: o.text("unbound-control")!,
    unboundCheckconf: o.text("unbound-checkconf")!,
    action,
    sink,
    allow: o.list("allow"),
    protect: o.list("protect"),
    maxShrinkPercent: o.percent("max-shrink"),
    maxGrowthPercent: o.percent("max-growth"),
    maxAgeMs: o.duration("max-age"),
    timeoutMs: o.duration("timeout"),
    maxSizeBytes: o.size("max-size"),
    maxRedirects: o.count("max-redirects"),
    keep: o.count("keep"),
    pfTable: optionalPath("pf-table"),
    nftSet: optionalPath("nft-set"),
    nftTable: tableWords.join(" "),
    nftSetName,
    promFile: optionalPath("prom-file"),
    rollback: rollback ? { version: rollbackVersion } : undefined,
  };
}
