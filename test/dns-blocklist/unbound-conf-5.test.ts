import { describe, expect, test } from "vitest";
import { parsedFixture } from "./fixture.js";

// Expectations from unbound.conf(5) (unbound 1.17), local-zone: <zone> <type>: deny, refuse,
// static, redirect, always_refuse, always_nxdomain, always_null, … answer something other than
// the real data; transparent "resolves normally" for names without local data. local-data:
// "<resource record string>" with a sink address is the other half of a redirect zone.
describe("unbound.conf(5) local-zone and local-data lines", () => {
  const p = parsedFixture("unbound.conf");

  test("zones of a blocking type and local data pointing at a sink are names; quoted, bare and with a trailing comment", () => {
    expect(p.names).toEqual([
      "miner.example",
      "refused.example",
      "nullroute.example",
      "redirected.example",
      "redirected.example",
      "sink6.example",
      "static.example",
    ]);
  });

  test("a transparent zone, local data with a real address and a TXT record are counted, not blocked", () => {
    expect(p.invalid).toBe(3);
    expect(p.firstInvalid.map((i) => i.line)).toEqual([10, 11, 12]);
  });
});
