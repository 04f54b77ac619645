import { describe, expect, test } from "vitest";
import { checkGuards, DEFAULT_LIMITS, type GuardInput } from "../../src/jobs/dns-blocklist/guards.js";

const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `n${String(i).padStart(6, "0")}.example`);
type Listed = Omit<GuardInput, "names" | "carveOuts"> & { names: string[]; carveOuts: string[] };
const input = (over: Partial<Listed>): GuardInput => {
  const all: Listed = { previous: undefined, names: [], carveOuts: [], networks: [], neverBlock: [], ...over };
  return { ...all, names: new Set(all.names), carveOuts: new Set(all.carveOuts) };
};

describe("guards: size", () => {
  test("the issue's default --max-shrink 50 %: losing half is allowed, losing more is refused with both numbers", () => {
    expect(checkGuards(input({ previous: 1000, names: names(500) })).apply).toBe(true);
    const v = checkGuards(input({ previous: 1000, names: names(499) }));
    expect(v).toEqual({ apply: false, guard: "shrink", reason: expect.stringContaining("from 1000 to 499") });
    expect(v.reason).toContain("50.1 %");
  });

  test("--max-growth defaults to 100 % (the mirror of halving): doubling is allowed, more is refused", () => {
    expect(DEFAULT_LIMITS.maxGrowthPercent).toBe(100);
    expect(checkGuards(input({ previous: 1000, names: names(2000) })).apply).toBe(true);
    expect(checkGuards(input({ previous: 1000, names: names(2001) }))).toMatchObject({ apply: false, guard: "growth" });
  });

  test("networks count with names; the limits are options", () => {
    const v = checkGuards(input({ previous: 10, names: names(5), networks: ["192.0.2.0/24", "198.51.100.0/24"] }), {
      maxShrinkPercent: 20,
      maxGrowthPercent: 100,
    });
    expect(v).toMatchObject({ apply: false, guard: "shrink" });
    expect(v.reason).toContain("from 10 to 7");
  });

  test("the first list (nothing applied before) passes the size guards", () => {
    expect(checkGuards(input({ previous: undefined, names: names(100000) })).apply).toBe(true);
    expect(checkGuards(input({ previous: 0, names: names(3) })).apply).toBe(true);
  });
});

describe("guards: names never to block", () => {
  // in canonical DNS order, as a Decision has them (com before net)
  const blocked = ["example.com", "ads.example.net"];

  test("a protected name blocked exactly or through a parent is refused, naming it and why it is protected", () => {
    const exactly = checkGuards(input({ names: blocked, neverBlock: [{ name: "ads.example.net", why: "--protect" }] }));
    expect(exactly).toEqual({ apply: false, guard: "never-block", reason: "the list would block ads.example.net (--protect)" });
    const byParent = checkGuards(input({ names: blocked, neverBlock: [{ name: "Lists.Example.COM.", why: "source host" }] }));
    expect(byParent).toEqual({
      apply: false,
      guard: "never-block",
      reason: "the list would block lists.example.com (source host) through example.com",
    });
  });

  test("a carve-out between the name and its blocked parent keeps it resolving; a blocked child does not block its parent", () => {
    expect(
      checkGuards(input({ names: blocked, carveOuts: ["www.example.com"], neverBlock: [{ name: "a.www.example.com", why: "resolver" }] }))
        .apply,
    ).toBe(true);
    expect(checkGuards(input({ names: blocked, neverBlock: [{ name: "example.net", why: "resolver" }] })).apply).toBe(true);
  });

  test("a protected address inside a blocked network is refused; a single-label host name can never be blocked", () => {
    const v = checkGuards(
      input({
        networks: ["192.0.2.0/24", "2001:db8::/32"],
        neverBlock: [
          { name: "localhost", why: "resolver" },
          { name: "2001:db8::53", why: "source host" },
        ],
      }),
    );
    expect(v).toEqual({ apply: false, guard: "never-block", reason: "the list would block 2001:db8::53 (source host) by address" });
    expect(checkGuards(input({ networks: ["192.0.2.0/24"], neverBlock: [{ name: "198.51.100.1", why: "resolver" }] })).apply).toBe(true);
  });
});
