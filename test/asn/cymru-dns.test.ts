import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SourceError } from "../../src/jobs/asn/asn-answer.js";
import { CymruDnsSource, originQueryName, parseAsRecord, parseOriginRecords } from "../../src/jobs/asn/cymru-dns.js";
import { parseIp } from "../../src/jobs/asn/ip-address.js";
import { startUnbound, withUnbound, type UnboundServer } from "../helpers/unbound-server.js";
import { serveRcode, type RcodeDns } from "./helpers/rcode-dns.js";

const ip = (t: string) => parseIp(t)!;

// Team Cymru's documented examples (team-cymru.com, IP to ASN Mapping, DNS):
//   31.108.90.216.origin.asn.cymru.com TXT "23028 | 216.90.108.0/24 | US | arin | 1998-09-25"
//   AS23028.asn.cymru.com TXT "23028 | US | arin | 2002-01-04 | TEAM-CYMRU - Team Cymru Inc., US"
const CYMRU_ORIGIN = "23028 | 216.90.108.0/24 | US | arin | 1998-09-25";
const CYMRU_AS = "23028 | US | arin | 2002-01-04 | TEAM-CYMRU - Team Cymru Inc., US";

describe("Team Cymru query names and answers", () => {
  it("reverses IPv4 octets under origin.asn.cymru.com (the documented example)", () => {
    expect(originQueryName(ip("216.90.108.31"))).toBe("31.108.90.216.origin.asn.cymru.com");
  });

  it("reverses all 32 IPv6 nibbles under origin6.asn.cymru.com (as ip6.arpa does, RFC 3596 §2.5)", () => {
    expect(originQueryName(ip("2001:4860::8888"))).toBe(
      "8.8.8.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.8.4.1.0.0.2.origin6.asn.cymru.com",
    );
  });

  it("reads the documented origin and AS records", () => {
    expect(parseOriginRecords([[CYMRU_ORIGIN]])).toEqual([
      { origins: [23028], prefix: "216.90.108.0/24", prefixLength: 24, country: "US", registry: "arin", allocated: "1998-09-25" },
    ]);
    expect(parseAsRecord([[CYMRU_AS]])).toEqual({
      asn: 23028,
      country: "US",
      registry: "arin",
      allocated: "2002-01-04",
      name: "TEAM-CYMRU - Team Cymru Inc., US",
    });
  });

  it("refuses a record that is not of the documented shape", () => {
    expect(() => parseOriginRecords([["hello"]])).toThrow(SourceError);
    expect(() => parseOriginRecords([["AS1 | 1.0.0.0/8 | US | arin | 2000-01-01"]])).toThrow(SourceError);
  });
});

withUnbound.describe("the Cymru source against a real unbound serving Cymru-shaped TXT records", () => {
  let unbound: UnboundServer;
  let servfail: RcodeDns;
  beforeAll(async () => {
    const txt = (name: string, ...strings: string[]) => `local-data: '${name} 300 IN TXT ${strings.map((s) => `"${s}"`).join(" ")}'`;
    unbound = await startUnbound({
      serverLines: [
        'local-zone: "asn.cymru.com." static',
        txt("31.108.90.216.origin.asn.cymru.com.", CYMRU_ORIGIN),
        txt("AS23028.asn.cymru.com.", CYMRU_AS),
        // a more and a less specific announcement, the more specific one from two origins (MOAS)
        txt("8.7.6.5.origin.asn.cymru.com.", "64502 | 5.0.0.0/8 | DE | ripencc | 2009-01-01"),
        txt("8.7.6.5.origin.asn.cymru.com.", "64500 64501 | 5.6.0.0/16 | DE | ripencc | 2010-02-03"),
        txt("AS64500.asn.cymru.com.", "64500 | DE | ripencc | 2010-01-01 | EXAMPLE-A"),
        // one record sent as two character-strings
        txt("9.9.9.9.origin.asn.cymru.com.", "1955", "4 | 9.9.9.0/24 | CH | ripencc | 2017-09-13"),
        txt("AS19554.asn.cymru.com.", "19554 | CH | ripencc | 2017-09-13 | QUAD9"),
        txt(
          "8.8.8.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.8.4.1.0.0.2.origin6.asn.cymru.com.",
          "15169 | 2001:4860::/32 | US | arin | 2005-03-14",
        ),
        txt("4.3.2.1.origin.asn.cymru.com.", "hello"),
        'local-zone: "refused.example.net." always_refuse',
      ],
      // a zone unbound forwards to a port where nothing answers: it keeps retrying, so it is slow
      extra: ["forward-zone:", '  name: "slow.example.net."', "  forward-addr: 127.0.0.1@9"],
    });
    servfail = await serveRcode(2);
  });
  afterAll(async () => {
    await unbound?.stop();
    await servfail?.stop();
  });
  const source = (zone?: string, timeoutMs = 3000, server?: string) =>
    new CymruDnsSource({ servers: [server ?? `${unbound.host}:${unbound.port}`], timeoutMs, ...(zone ? { zone } : {}) });

  withUnbound.it("answers the documented example with the AS name from the AS record", async () => {
    expect(await source().lookup(ip("216.90.108.31"))).toEqual({
      kind: "answer",
      address: "216.90.108.31",
      origins: [23028],
      prefix: "216.90.108.0/24",
      country: "US",
      registry: "arin",
      allocated: "1998-09-25",
      asName: "TEAM-CYMRU - Team Cymru Inc., US",
      source: "cymru",
    });
  });

  withUnbound.it("takes the most specific of several announcements, with every origin of a multi-origin prefix", async () => {
    const r = await source().lookup(ip("5.6.7.8"));
    expect(r).toMatchObject({
      kind: "answer",
      origins: [64500, 64501],
      prefix: "5.6.0.0/16",
      allocated: "2010-02-03",
      asName: "EXAMPLE-A",
    });
  });

  withUnbound.it("joins a record sent as several character-strings (RFC 1035 §3.3.14)", async () => {
    expect(await source().lookup(ip("9.9.9.9"))).toMatchObject({ origins: [19554], prefix: "9.9.9.0/24", asName: "QUAD9" });
  });

  withUnbound.it("asks origin6 for an IPv6 address", async () => {
    expect(await source().lookup(ip("2001:4860::8888"))).toMatchObject({
      kind: "answer",
      origins: [15169],
      prefix: "2001:4860::/32",
      asName: null,
    });
  });

  withUnbound.it("says not found when there is no record (NXDOMAIN)", async () => {
    expect(await source().lookup(ip("8.8.4.4"))).toEqual({ kind: "not-found", address: "8.8.4.4", source: "cymru" });
  });

  withUnbound.it("fails on a record of another shape", async () => {
    await expect(source().lookup(ip("1.2.3.4"))).rejects.toThrow(/unreadable origin record: "hello"/);
  });

  withUnbound.it("fails when the server refuses the zone", async () => {
    await expect(source("refused.example.net").lookup(ip("1.2.3.4"))).rejects.toThrow(/EREFUSED/);
  });

  withUnbound.it("fails on SERVFAIL", async () => {
    await expect(source(undefined, 3000, servfail.server).lookup(ip("1.2.3.4"))).rejects.toThrow(/ESERVFAIL/);
    expect(servfail.queries).toBeGreaterThan(0);
  });

  withUnbound.it("gives up on a slow answer at its own deadline", async () => {
    await expect(source("slow.example.net", 300).lookup(ip("1.2.3.4"))).rejects.toThrow(/no complete answer within 0.3 s/);
  });
});
