import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DbSource } from "../../src/jobs/asn/db-source.js";
import { parseIp } from "../../src/jobs/asn/ip-address.js";
import { IpToAsnTable, TableFormatError } from "../../src/jobs/asn/iptoasn-table.js";
import { generateV4Ranges, scanAsn, seeded, tsvOf } from "./helpers/iptoasn-fixture.js";

// Lines as iptoasn.com publishes them in ip2asn-combined.tsv
const SAMPLE = [
  "1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET",
  "1.0.1.0\t1.0.3.255\t0\tNone\tNot routed",
  "1.0.4.0\t1.0.7.255\t38803\tAU\tWPL-AS-AP Wirefreebroadband Pty Ltd",
  "2001:200::\t2001:200:ffff:ffff:ffff:ffff:ffff:ffff\t2500\tJP\tWIDE-BB WIDE Project",
  "2001:4860::\t2001:4860:ffff:ffff:ffff:ffff:ffff:ffff\t15169\tUS\tGOOGLE",
].join("\n");

describe("the iptoasn table", () => {
  const table = IpToAsnTable.parse(SAMPLE, "sample.tsv");

  it("finds the range of an IPv4 and an IPv6 address, the range written as its prefix", () => {
    expect(table.lookup(parseIp("1.0.0.1")!)).toEqual({ asn: 13335, prefix: "1.0.0.0/24", country: "US", name: "CLOUDFLARENET" });
    expect(table.lookup(parseIp("1.0.5.9")!)).toEqual({
      asn: 38803,
      prefix: "1.0.4.0/22",
      country: "AU",
      name: "WPL-AS-AP Wirefreebroadband Pty Ltd",
    });
    expect(table.lookup(parseIp("2001:4860::8888")!)).toMatchObject({ asn: 15169, prefix: "2001:4860::/32", name: "GOOGLE" });
    expect(table.lookup(parseIp("2001:200::1")!)).toMatchObject({ asn: 2500, prefix: "2001:200::/32" });
  });

  it("writes a range that is not one prefix as start-end", () => {
    expect(table.lookup(parseIp("1.0.2.0")!)).toMatchObject({ asn: 0, prefix: "1.0.1.0-1.0.3.255" });
  });

  it("has nothing outside every range", () => {
    expect(table.lookup(parseIp("0.255.255.255")!)).toBeNull();
    expect(table.lookup(parseIp("1.0.8.0")!)).toBeNull();
    expect(table.lookup(parseIp("2001:4861::")!)).toBeNull();
  });

  it("lists an AS's ranges as prefixes", () => {
    expect(table.describeAs(13335)).toEqual({ name: "CLOUDFLARENET", country: "US", prefixes: ["1.0.0.0/24"] });
    expect(table.describeAs(64496)).toBeNull();
  });

  it("agrees with a plain scan on 20 000 random addresses of a generated table, sorted or not", () => {
    const ranges = generateV4Ranges(5000, 7);
    const shuffled = [...ranges].sort(() => seeded(3)() - 0.5);
    for (const t of [IpToAsnTable.parse(tsvOf(ranges)), IpToAsnTable.parse(tsvOf(shuffled))]) {
      const rnd = seeded(11);
      for (let i = 0; i < 20_000; i++) {
        const x = Math.floor(rnd() * 2 ** 32);
        expect(t.asnOfV4(x)).toBe(scanAsn(ranges, x));
      }
      for (const r of ranges.slice(0, 500)) {
        expect(t.asnOfV4(r.start)).toBe(r.asn);
        expect(t.asnOfV4(r.end)).toBe(r.asn);
      }
    }
  });

  it.each([
    ["1.0.0.0\t1.0.0.255\t13335\tUS", "sample.tsv line 2: expected 5 tab-separated fields"],
    ["1.0.0.0\t1.0.0.255\tAS13335\tUS\tX", 'sample.tsv line 2: AS number is not a number: "AS13335"'],
    ["1.0.0.x\t1.0.0.255\t1\tUS\tX", 'sample.tsv line 2: range start is not an IP address: "1.0.0.x"'],
    ["1.0.1.0\t1.0.0.255\t1\tUS\tX", "sample.tsv line 2: range end before range start"],
  ])("refuses a garbled line, naming it: %j", (line, message) => {
    const parse = () => IpToAsnTable.parse(`1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\n${line}\n`, "sample.tsv");
    expect(parse).toThrow(TableFormatError);
    expect(parse).toThrow(message);
  });
});

describe("the db source", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "chime-asn-db-"));
    await writeFile(join(dir, "t.tsv"), SAMPLE);
    await writeFile(join(dir, "t.tsv.gz"), gzipSync(SAMPLE));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("reads a plain and a gzipped table alike; AS 0 is not found", async () => {
    for (const f of ["t.tsv", "t.tsv.gz"]) {
      const db = new DbSource(join(dir, f));
      expect(await db.lookup(parseIp("1.0.0.7")!)).toEqual({
        kind: "answer",
        address: "1.0.0.7",
        origins: [13335],
        prefix: "1.0.0.0/24",
        country: "US",
        registry: null,
        allocated: null,
        asName: "CLOUDFLARENET",
        source: "db",
      });
      expect(await db.lookup(parseIp("1.0.2.1")!)).toEqual({ kind: "not-found", address: "1.0.2.1", source: "db" });
    }
  });

  it("fails (so the next source is asked) when the table cannot be read", async () => {
    await expect(new DbSource(join(dir, "missing.tsv")).lookup(parseIp("1.0.0.7")!)).rejects.toThrow(/cannot read .*missing.tsv: ENOENT/);
  });
});
