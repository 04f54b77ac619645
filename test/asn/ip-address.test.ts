import { describe, expect, it } from "vitest";
import { ipv6Text, parseIp, rangeToPrefixes } from "../../src/jobs/asn/ip-address.js";
import { specialRange } from "../../src/jobs/asn/special-ranges.js";

describe("IP addresses as numbers", () => {
  // RFC 5952 §4: the canonical text form
  it.each([
    ["2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["2001:DB8::1", "2001:db8::1"],
    ["::", "::"],
    ["1::", "1::"],
    ["fe80::1%eth0", "fe80::1"],
  ])("%s is written %s (RFC 5952)", (input, canonical) => {
    expect(parseIp(input)?.text).toBe(canonical);
  });

  it("an IPv4-mapped address is the IPv4 host (RFC 4291 §2.5.5.2)", () => {
    expect(parseIp("::ffff:192.0.2.1")).toEqual({ family: 4, v4: 0xc0000201, text: "192.0.2.1" });
  });

  it.each(["1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1:2:3:4:5:6:7:8:9", "1::2::3", ":1", "1:", "12345::", "g::1", ""])(
    "refuses %j",
    (text) => {
      expect(parseIp(text)).toBeNull();
    },
  );

  it("agrees with the URL parser's canonical IPv6 text on random addresses", () => {
    for (let i = 0; i < 500; i++) {
      const words = Array.from({ length: 4 }, () => (Math.random() < 0.4 ? 0 : Math.floor(Math.random() * 2 ** 32)));
      // zero runs are what the compression rule is about: make some 16-bit groups zero
      const groups = words.flatMap((w) => [w >>> 16, w & 0xffff]).map((g) => (Math.random() < 0.3 ? 0 : g));
      const full = groups.map((g) => g.toString(16)).join(":");
      const viaUrl = new URL(`http://[${full}]/`).hostname.slice(1, -1);
      const ip = parseIp(full);
      if (ip?.family === 4) continue; // ::ffff:a.b.c.d is an IPv4 host by design
      expect(ip?.text).toBe(viaUrl);
      expect(ip?.family === 6 && ipv6Text(ip.words)).toBe(viaUrl);
    }
  });

  it("covers a range with the fewest prefixes (RFC 4632 §3.1 aggregation, worked by hand)", () => {
    expect(rangeToPrefixes(4, 0xc0000200n, 0xc00002ffn)).toEqual(["192.0.2.0/24"]);
    expect(rangeToPrefixes(4, 0x0a000001n, 0x0a000006n)).toEqual(["10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6/32"]);
    expect(rangeToPrefixes(4, 0n, 0xffffffffn)).toEqual(["0.0.0.0/0"]);
    expect(rangeToPrefixes(6, 0x20010db8n << 96n, (0x20010db8n << 96n) | ((1n << 96n) - 1n))).toEqual(["2001:db8::/32"]);
  });
});

describe("special-purpose addresses (IANA registries of RFC 6890)", () => {
  it.each([
    ["10.1.2.3", "RFC 1918"],
    ["172.31.255.255", "RFC 1918"],
    ["192.168.0.1", "RFC 1918"],
    ["100.64.0.1", "RFC 6598"],
    ["100.127.255.255", "RFC 6598"],
    ["127.0.0.2", "RFC 1122"],
    ["169.254.1.1", "RFC 3927"],
    ["192.0.2.1", "RFC 5737"],
    ["198.51.100.7", "RFC 5737"],
    ["203.0.113.200", "RFC 5737"],
    ["224.0.0.251", "RFC 5771"],
    ["240.0.0.1", "RFC 1112"],
    ["255.255.255.255", "RFC 919"],
    ["::1", "RFC 4291"],
    ["fe80::1", "RFC 4291"],
    ["ff02::1", "RFC 4291"],
    ["fd00::1", "RFC 4193"],
    ["2001:db8:1::1", "RFC 3849"],
    ["::ffff:10.0.0.1", "RFC 1918"],
  ])("%s is special (%s)", (addr, rfc) => {
    expect(specialRange(parseIp(addr)!)?.rfc).toBe(rfc);
  });

  it.each(["172.32.0.1", "100.128.0.1", "192.0.3.1", "8.8.8.8", "1.1.1.1", "2001:4860::8888", "2a00:1450::1", "fec0::1"])(
    "%s is not special",
    (addr) => {
      expect(specialRange(parseIp(addr)!)).toBeNull();
    },
  );
});
