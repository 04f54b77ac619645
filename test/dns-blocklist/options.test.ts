import { describe, expect, it } from "vitest";
import { JobConfigError } from "../../src/jobs/job.js";
import { OPTIONS, readSettings } from "../../src/jobs/dns-blocklist/options.js";
import { dnsBlocklistSpec } from "../../src/jobs/dns-blocklist/spec.js";

// DESIGN.md §2: a job's options are declared once; --help and the docs table come from that
// declaration, and a bad value is one line naming it and where it came from (exit 100).
describe("dns-blocklist options", () => {
  const ok = ["--include", "/var/lib/x/blocklist.conf"];

  it("--help lists every option with its variable", () => {
    for (const o of OPTIONS) {
      expect(dnsBlocklistSpec.help).toContain(`--${o.name}`);
      if (o.env) expect(dnsBlocklistSpec.help).toContain(o.env);
    }
  });

  it("sources come from the arguments and CHIME_DNS_SOURCES (one a line); defaults as documented", () => {
    const s = readSettings([...ok, "https://a.example/l.txt"], { CHIME_DNS_SOURCES: "/etc/x.txt\nhttps://b.example/h" });
    expect(s.sources).toEqual(["/etc/x.txt", "https://b.example/h", "https://a.example/l.txt"]);
    expect(s).toMatchObject({
      action: "always_nxdomain",
      maxShrinkPercent: 50,
      keep: 10,
      unboundConf: "/etc/unbound/unbound.conf",
      maxAgeMs: 7 * 86_400_000,
    });
  });

  it("--max-growth may exceed 100 %: adding a source on purpose can more than double the list", () => {
    expect(readSettings([...ok, "--max-growth", "400%", "x"], {}).maxGrowthPercent).toBe(400);
    expect(() => readSettings([...ok, "--max-shrink", "150%", "x"], {})).toThrow(/--max-shrink: must be from 0% to 100%: "150%"/);
  });

  const bad: [string, string[], Record<string, string>, RegExp][] = [
    ["no source", ok, {}, /^dns-blocklist: no SOURCE given/],
    ["no --include", ["https://a.example/"], {}, /^dns-blocklist: --include FILE is required/],
    ["redirect without a sink", [...ok, "--action", "redirect", "x"], {}, /--action redirect needs --sink ADDRESS/],
    [
      "a sink that is not an address",
      [...ok, "--action", "redirect", "--sink", "sink.example", "x"],
      {},
      /^dns-blocklist: --sink: not an IPv4 or IPv6 address: "sink.example"$/,
    ],
    ["a sink without redirect", [...ok, "--sink", "192.0.2.1", "x"], {}, /--sink: only used with --action redirect/],
    [
      "an unknown action",
      [...ok, "--action", "drop", "x"],
      {},
      /--action: not one of always_nxdomain, always_null, refuse, redirect: "drop"/,
    ],
    [
      "a bad percentage in the environment",
      [...ok, "x"],
      { CHIME_DNS_MAX_SHRINK: "fifty" },
      /^dns-blocklist: CHIME_DNS_MAX_SHRINK \(environment\): not a percentage/,
    ],
    ["a rollback version that is not a number", [...ok, "--rollback", "last"], {}, /--rollback: not a version number: "last"/],
    ["a bad nft table", [...ok, "--nft-table", "inet filter; flush ruleset", "x"], {}, /--nft-table: not an nftables FAMILY NAME/],
  ];
  for (const [what, args, env, message] of bad) {
    it(`refuses ${what}`, () => {
      expect(() => readSettings(args, env)).toThrow(JobConfigError);
      expect(() => readSettings(args, env)).toThrow(message);
    });
  }

  it("--rollback needs no source; N is optional", () => {
    expect(readSettings([...ok, "--rollback"], {}).rollback).toEqual({ version: null });
    expect(readSettings([...ok, "--rollback", "7"], {}).rollback).toEqual({ version: 7 });
  });
});
