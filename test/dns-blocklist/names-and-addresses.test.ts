import { describe, expect, test } from "vitest";
import { parseList } from "../../src/jobs/dns-blocklist/parse-list.js";

const names = (text: string): string[] => parseList(text, "test").names;
const networks = (text: string): string[] => parseList(text, "test").networks;
const invalid = (text: string): number => parseList(text, "test").invalid;

describe("plain lists: one name a line", () => {
  test("comments in the three styles lists use (#, ! and ;), blank lines, case and trailing dots", () => {
    expect(names("# hosts style\n! Adblock style\n; zone style\n\nMiner.Example.COM\ncoin.example.net.\n  spaced.example.org  \n")).toEqual(
      ["miner.example.com", "coin.example.net", "spaced.example.org"],
    );
  });

  test("*.name is the name's subtree, which a local-zone blocks with the name", () => {
    expect(names("*.wild.example.com\n")).toEqual(["wild.example.com"]);
  });

  test("IDNs become punycode (RFC 3492 via UTS #46): the IANA test name and a German example", () => {
    // xn--r8jz45g.xn--zckzah is IANA's IDN test domain 例え.テスト; bücher → xn--bcher-kva (RFC 3492 §7.1 style)
    expect(names("例え.テスト\nBücher.de\n")).toEqual(["xn--r8jz45g.xn--zckzah", "xn--bcher-kva.de"]);
    // an xn-- label that is not valid punycode is refused, not passed through
    expect(invalid("xn--zz.example\n")).toBe(1);
  });

  test("RFC 1035 §2.3.4 sizes: labels up to 63 octets, names up to 253 characters", () => {
    const l63 = "a".repeat(63);
    expect(names(`${l63}.example\n`)).toEqual([`${l63}.example`]);
    expect(invalid(`${"a".repeat(64)}.example\n`)).toBe(1);
    const n253 = `${[l63, l63, l63].join(".")}.${"b".repeat(61)}`; // 63*3 + 3 dots + 61 = 253
    expect(n253.length).toBe(253);
    expect(names(`${n253}\n`)).toEqual([n253]);
    expect(invalid(`${n253}c\n`)).toBe(1);
  });

  test("nothing that could break out of a quoted unbound string, or is no host name, gets through", () => {
    const bad = [
      'quo"te.example',
      "back\\slash.example",
      "ctl\u0001.example",
      "del\u007f.example",
      "per%cent.example",
      "star*.example",
      "a..b.example",
      ".lead.example",
      "-hy.example",
      "hy-.example",
      "x.1",
      "single",
    ];
    const p = parseList(bad.join("\n"), "test");
    expect(p.names).toEqual([]);
    expect(p.invalid).toBe(bad.length);
  });

  test("a line in no supported format is counted and reported with its number", () => {
    const p = parseList("ok.example\nthis is not a list entry\n", "test");
    expect(p.names).toEqual(["ok.example"]);
    expect(p.firstInvalid).toEqual([{ line: 2, text: "this is not a list entry", reason: expect.any(String) }]);
  });

  test("at most five invalid lines are kept; all are counted", () => {
    const p = parseList("bad\n".repeat(12), "test");
    expect(p.invalid).toBe(12);
    expect(p.firstInvalid.map((i) => i.line)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe("addresses and CIDRs", () => {
  test("bare addresses are /32 and /128", () => {
    expect(networks("192.0.2.1\n2001:db8::1\n")).toEqual(["192.0.2.1/32", "2001:db8::1/128"]);
  });

  test("IPv6 text is canonical as RFC 5952 §4 says: lower case, leading zeros and the longest zero run compressed", () => {
    expect(networks("2001:0DB8:0000:0000:0000:0000:0000:0001\n2001:db8:0:0:1:0:0:1/128\n")).toEqual([
      "2001:db8::1/128",
      "2001:db8::1:0:0:1/128",
    ]);
  });

  test("CIDRs keep their prefix; host bits are cleared (RFC 4632 §3.1: the prefix names the network)", () => {
    expect(networks("10.0.0.0/8\n10.1.2.3/8\n2001:db8::1/32\n")).toEqual(["10.0.0.0/8", "10.0.0.0/8", "2001:db8::/32"]);
  });

  test("refused: leading-zero octets (inet_aton would read them as octal), prefixes out of range or with leading zeros, /0, zone indices", () => {
    const bad = ["01.2.3.4", "1.2.3.4/33", "1.2.3.4/08", "2001:db8::/129", "0.0.0.0/0", "::/0", "fe80::1%eth0", "1.2.3.4/"];
    const p = parseList(bad.join("\n"), "test");
    expect(p.networks).toEqual([]);
    expect(p.names).toEqual([]);
    expect(p.invalid).toBe(bad.length);
  });
});
