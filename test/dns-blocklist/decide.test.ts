import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { Allowlist } from "../../src/jobs/dns-blocklist/allowlist.js";
import { parseAllowlist } from "../../src/jobs/dns-blocklist/allowlist.js";
import { decide } from "../../src/jobs/dns-blocklist/decide.js";
import { compareNames } from "../../src/jobs/dns-blocklist/dns-name.js";
import { parseList, type ParsedList } from "../../src/jobs/dns-blocklist/parse-list.js";

const list = (
  names: string[],
  exceptions: string[] = [],
  networks: string[] = [],
): Pick<ParsedList, "names" | "exceptions" | "networks"> => ({
  names,
  networks,
  exceptions,
});
const allow = (exact: string[], subtrees: string[] = []): Allowlist => ({ exact, subtrees });

// What unbound does with the result (unbound.conf(5), local-zone): a query is answered by the
// closest enclosing local-zone; a blocking zone answers for its name and everything below it,
// a transparent zone (what a carve-out is written as) resolves normally.
function blockedInUnbound(name: string, blocks: readonly string[], carveOuts: readonly string[]): boolean {
  const labels = name.split(".");
  for (let i = 0; i < labels.length; i++) {
    const zone = labels.slice(i).join(".");
    if (carveOuts.includes(zone)) return false;
    if (blocks.includes(zone)) return true;
  }
  return false;
}

const isUnder = (name: string, parent: string): boolean => name === parent || name.endsWith(`.${parent}`);

describe("decide: union, dedup, collapse, sorted", () => {
  test("two sources: one list without repeats", () => {
    const d = decide([list(["b.example", "a.example", "b.example"]), list(["c-d.example", "a.example", "c.example"])]);
    expect(d.names).toEqual(["a.example", "b.example", "c.example", "c-d.example"]);
    expect(d.duplicates).toBe(2);
  });

  test("sorted in canonical DNS name order: the example of RFC 4034 §6.1 (the names of it we can block)", () => {
    // RFC 4034 §6.1 lists: example, a.example, yljkjljk.a.example, Z.a.example, zABC.a.EXAMPLE,
    // z.example, \001.z.example, *.z.example, \200.z.example. Single labels, \001, * and \200
    // are no names a list can block here; the rest keep the RFC's order, case folded. (Names
    // below a blocked name collapse into it, so these come from separate decisions.)
    const rfc = ["a.example", "yljkjljk.a.example", "z.a.example", "zabc.a.example", "z.example"];
    const shuffled = [rfc[3]!, rfc[0]!, rfc[4]!, rfc[2]!, rfc[1]!];
    expect([...shuffled].sort(compareNames)).toEqual(rfc);
    expect(decide([list(rfc.slice(1, 4).concat("z.example").reverse())]).names).toEqual(rfc.slice(1));
  });

  test("a name below a blocked name is redundant (a local-zone covers its subtree); a look-alike outside the label boundary is not", () => {
    const d = decide([
      list(["ads.example.com", "example.com", "deep.x.example.com", "xexample.com", "example-ads.com", "ads.example-ads.com"]),
    ]);
    expect(d.names).toEqual(["example.com", "example-ads.com", "xexample.com"]);
    expect(d.redundant).toBe(3);
  });

  test("the allowlist: an exact name leaves its listed children blocked; a subtree removes everything below it", () => {
    const d = decide(
      [list(["ads.example.com", "x.ads.example.com", "t.example.net", "u.t.example.net"])],
      allow(["ads.example.com"], ["t.example.net"]),
    );
    expect(d.names).toEqual(["x.ads.example.com"]);
    expect(d.carveOuts).toEqual([]);
    expect(d.allowed).toBe(3);
  });

  test("an allowed name below a blocked one becomes a carve-out, and a blocked name below the carve-out stays listed", () => {
    const d = decide([list(["example.com", "bad.good.example.com"])], allow(["good.example.com"]));
    expect(d.names).toEqual(["example.com", "bad.good.example.com"]);
    expect(d.carveOuts).toEqual(["good.example.com"]);
    expect(blockedInUnbound("good.example.com", d.names, d.carveOuts)).toBe(false);
    expect(blockedInUnbound("bad.good.example.com", d.names, d.carveOuts)).toBe(true);
  });

  test("Adblock exceptions of any source apply to the union, as subtrees", () => {
    const adblock = parseList("||ads.example.com^\n@@||cdn.example.org^\n", "adblock");
    const hosts = parseList("0.0.0.0 cdn.example.org\n0.0.0.0 img.cdn.example.org\n", "hosts");
    expect(decide([adblock, hosts]).names).toEqual(["ads.example.com"]);
  });

  test("networks: repeats and CIDRs inside another go; IPv4 before IPv6, by address", () => {
    const d = decide([
      list([], [], ["10.1.0.0/16", "2001:db8::/32", "10.0.0.0/8", "192.0.2.1/32", "10.0.0.0/8", "2001:db8:1::/48", "192.0.2.0/31"]),
    ]);
    expect(d.networks).toEqual(["10.0.0.0/8", "192.0.2.0/31", "2001:db8::/32"]);
  });

  test("the allowlist file: exact names, *.name and .name subtrees, comments; bad entries counted", () => {
    const p = parseAllowlist("# ours\ncdn.example.org\n*.example.net\n.example.com # work\nbad name\n");
    expect(p.allowlist).toEqual({ exact: ["cdn.example.org"], subtrees: ["example.net", "example.com"] });
    expect(p.invalid).toBe(1);
  });

  // Names from a small tree, so that parents, children, repeats and allowlist hits are common.
  const name = fc
    .array(fc.constantFrom("a", "b", "c-d", "c"), { minLength: 0, maxLength: 3 })
    .chain((labels) => fc.constantFrom("x", "y").map((tld) => [...labels, "zone", tld].join(".")));
  test("property: what unbound would block equals the sources minus the allowlist, and the list is minimal", () => {
    fc.assert(
      fc.property(
        fc.array(name, { maxLength: 30 }),
        fc.array(name, { maxLength: 3 }),
        fc.array(name, { maxLength: 3 }),
        (blocks, exact, subtrees) => {
          const d = decide([list(blocks)], allow(exact, subtrees));
          const universe = [
            ...new Set([...blocks, ...exact, ...subtrees, ...blocks.map((b) => `new.${b}`), ...exact.map((e) => `new.${e}`)]),
          ];
          // The documented meaning: below an allowed subtree nothing is blocked; otherwise the
          // closest of the name and its ancestors that is either allowed exactly or blocked decides.
          const meant = (n: string): boolean => {
            if (subtrees.some((s) => isUnder(n, s))) return false;
            const labels = n.split(".");
            for (let i = 0; i < labels.length; i++) {
              const z = labels.slice(i).join(".");
              if (exact.includes(z)) return false;
              if (blocks.includes(z)) return true;
            }
            return false;
          };
          for (const n of universe) expect(blockedInUnbound(n, d.names, d.carveOuts), n).toBe(meant(n));
          // minimal: no listed name lies below another listed name without a carve-out between them
          for (const n of d.names) {
            const parentZones = n
              .split(".")
              .slice(1)
              .map((_, i, a) => a.slice(i).join("."));
            const nearest = parentZones.find((z) => d.names.includes(z) || d.carveOuts.includes(z));
            expect(nearest === undefined || d.carveOuts.includes(nearest), n).toBe(true);
          }
          expect(d.names).toEqual([...new Set(d.names)].sort(compareNames));
          expect(d.carveOuts).toEqual([...new Set(d.carveOuts)].sort(compareNames));
          for (const n of d.names) expect(blocks).toContain(n);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
