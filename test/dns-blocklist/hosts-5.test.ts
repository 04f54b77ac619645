import { describe, expect, test } from "vitest";
import { parseList } from "../../src/jobs/dns-blocklist/parse-list.js";
import { invalidLines, parsedFixture } from "./fixture.js";

// Expectations from hosts(5) (Linux man-pages 6.03): "IP_address canonical_hostname
// [aliases...]", fields separated "by any number of blanks and/or tab characters", "Text from a
// "#" character until the end of the line is a comment". The sink addresses (0.0.0.0,
// 127.0.0.1, ::, ::1) are what hosts-format blocklists map their names to.
describe("hosts(5) blocklists", () => {
  const p = parsedFixture("hosts.txt");

  test("every name mapped to a sink address, aliases included, normalised", () => {
    expect(p.names).toEqual([
      "miner.example.com",
      "tab.example.com",
      "alias.example.com",
      "coinhive.example.org", // case and the trailing dot of an absolute name (RFC 1034 §3.1) dropped
      "v6sink.example.net",
      "v6loop.example.net",
      "hash.example.com", // "#" right after the name still starts the comment
      "indented.example.com",
    ]);
    expect(p.networks).toEqual([]);
  });

  test("the /etc/hosts boilerplate blocks nothing and is not an error", () => {
    expect(p.names.some((n) => n.includes("localhost") || n.startsWith("ip6-"))).toBe(false);
  });

  test("a real address is not a block, and a label ending in a hyphen is not a host name; both counted with their lines", () => {
    // hosts(5): names "must begin with an alphabetic character and end with an alphanumeric character"
    expect(p.invalid).toBe(2);
    expect(invalidLines(p)).toEqual([18, 19]);
    expect(p.firstInvalid[0]!.reason).toContain("192.0.2.10");
    expect(p.firstInvalid[1]!.reason).toContain("hyphen");
  });

  test("CRLF line ends and a UTF-8 byte order mark read the same as LF", () => {
    const lf = "0.0.0.0 a.example.com\n0.0.0.0 b.example.com\n";
    const crlf = "\ufeff0.0.0.0 a.example.com\r\n0.0.0.0 b.example.com\r\n";
    expect(parseList(crlf, "crlf").names).toEqual(parseList(lf, "lf").names);
    expect(parseList(crlf, "crlf").invalid).toBe(0);
  });
});
