import { describe, expect, test } from "vitest";
import { parsedFixture } from "./fixture.js";

// Expectations from the Adblock Plus filter documentation ("How to write filters", and the
// filter cheatsheet): "||" matches at the beginning of a domain name, so `||example.com^` blocks
// example.com and every subdomain; "^" is a separator (the end of the host name here); "$"
// starts options; "@@" makes an exception; "##" is an element-hiding (cosmetic) rule; "!" a
// comment; `[Adblock Plus 2.0]` the header. Only rules that mean "this whole domain" can become
// a DNS block; a rule narrowed to a path, a wildcard or a kind of request cannot.
describe("Adblock Plus domain rules", () => {
  const p = parsedFixture("adblock.txt");

  test("||domain^ rules, with options that do not narrow them, are names", () => {
    expect(p.names).toEqual(["ads.example.com", "tracker.example.net", "cdn.example.org", "end.example.com"]);
  });

  test("@@||domain^ is an exception", () => {
    expect(p.exceptions).toEqual(["good.ads.example.com"]);
  });

  test("paths, URLs, element hiding, wildcards, narrowing options and regular expressions are counted, never blocked", () => {
    // lines 10–16 of the fixture
    expect(p.invalid).toBe(7);
    expect(p.firstInvalid.map((i) => i.line)).toEqual([10, 11, 12, 13, 14]);
    expect(p.firstInvalid[2]!.reason).toMatch(/element-hiding/);
    expect(p.firstInvalid[4]!.reason).toMatch(/"script"/);
  });
});
