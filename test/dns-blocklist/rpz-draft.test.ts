import { describe, expect, test } from "vitest";
import { parseList } from "../../src/jobs/dns-blocklist/parse-list.js";
import { parsedFixture } from "./fixture.js";

// Expectations from draft-vixie-dnsop-dns-rpz and the RPZ section of unbound.conf(5): the
// owner name relative to the policy zone is the trigger ("example.com CNAME ." answers
// example.com with NXDOMAIN); "CNAME *." is NODATA, "rpz-drop." drops, "rpz-passthru." lets the
// query through; a netblock trigger is "<netblocklen>.<ip address in reverse>.rpz-ip", "zz" for
// "::" — "24.10.100.51.198.rpz-ip is 198.51.100.10/24 and 32.10.zz.db8.2001.rpz-ip is
// 2001:db8:0:0:0:0:0:10/32". $ORIGIN, $TTL, SOA (over several lines in parentheses) and NS are
// the zone file's own (RFC 1035 §5.1).
describe("RPZ zone files", () => {
  const p = parsedFixture("rpz.zone");

  test("NXDOMAIN, NODATA, drop and sink-address triggers are names; *.x is x's subtree; an absolute owner loses the zone name", () => {
    expect(p.names).toEqual([
      "bad.example.com",
      "bad.example.com",
      "nodata.example.com",
      "drop.example.com",
      "sink.example.com",
      "abs.example.org",
    ]);
  });

  test("rpz-passthru is an exception", () => {
    expect(p.exceptions).toEqual(["ok.example.org"]);
  });

  test("rpz-ip triggers are networks, host bits cleared as the man page's /24 example reads", () => {
    expect(p.networks).toEqual(["198.51.100.0/24", "2001:db8::/32", "192.0.2.1/32"]);
  });

  test("rewrites, local data with real addresses, tcp-only, nsdname triggers and names outside the zone are counted", () => {
    expect(p.invalid).toBe(5);
    expect(p.firstInvalid.map((i) => i.line)).toEqual([14, 16, 17, 21, 23]);
  });

  test("the SOA record's continuation lines are not read as records", () => {
    expect(p.firstInvalid.some((i) => i.line === 6 || i.line === 7)).toBe(false);
  });

  test("without $ORIGIN or SOA, relative owners are the triggers themselves", () => {
    expect(parseList("bad.example CNAME .\n*.worse.example CNAME .\n", "rpz").names).toEqual(["bad.example", "worse.example"]);
  });
});
