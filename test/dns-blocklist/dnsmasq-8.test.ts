import { describe, expect, test } from "vitest";
import { parsedFixture } from "./fixture.js";

// Expectations from dnsmasq(8): "-A, --address=/<domain>[/<domain>...]/[<ipaddr>] Specify an IP
// address to return for any host in the given domains"; "one or more domains with no address
// returns a no-such-domain answer"; "An address specified as '#' translates to the NULL address
// of 0.0.0.0 and its IPv6 equivalent of ::"; "/#/ matches any domain". For --server and --local:
// a domain with no server means queries for it are "answered from /etc/hosts or DHCP" and never
// forwarded; a server address forwards the domain to that server.
describe("dnsmasq(8) address= and server= lines", () => {
  const p = parsedFixture("dnsmasq.conf");

  test("domains answered with NXDOMAIN, the NULL address or a sink address are names; several domains on one line each count", () => {
    expect(p.names).toEqual([
      "doubleclick.example",
      "nx.example",
      "null.example",
      "one.example",
      "two.example",
      "v6.example",
      "local-only.example",
      "lan-only.example",
    ]);
  });

  test("a redirect to a real address, /#/ (every domain) and forwarding to a server are not blocks", () => {
    expect(p.invalid).toBe(3);
    expect(p.firstInvalid.map((i) => i.line)).toEqual([11, 12, 13]);
    expect(p.firstInvalid[1]!.reason).toMatch(/every domain/);
  });
});
