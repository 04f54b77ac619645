import { BlockList } from "node:net";
import { isRefusal, normaliseName } from "./dns-name.js";
import { canonicalAddress } from "./ip-network.js";
import type { NameSet } from "./sorted-entries.js";

export interface GuardLimits {
  /** refuse when the list loses more than this percentage of its entries (--max-shrink) */
  readonly maxShrinkPercent: number;
  /** refuse when the list gains more than this percentage of its entries (--max-growth) */
  readonly maxGrowthPercent: number;
}

/**
 * --max-shrink 50 is the default. --max-growth 100 is its mirror: the list may halve or
 * double between two runs, a factor of two either way. Lists grow by a few percent a day; a
 * doubling means a source changed what it publishes (or an operator added one, who then raises
 * the limit for that one run); a list that balloons to "block the world" trips it.
 */
export const DEFAULT_LIMITS: GuardLimits = { maxShrinkPercent: 50, maxGrowthPercent: 100 };

/** A name or address that must stay reachable, and why ("resolver", "source host", "--protect"). */
export interface NeverBlock {
  readonly name: string;
  readonly why: string;
}

export interface GuardInput {
  /** entries (names + networks) of the list applied now; undefined before the first apply */
  readonly previous: number | undefined;
  /** the decision about to be applied: its names and carve-outs */
  readonly names: NameSet;
  readonly carveOuts: NameSet;
  readonly networks: readonly string[];
  /** names and addresses never to block */
  readonly neverBlock: readonly NeverBlock[];
}

export type GuardVerdict =
  | { readonly apply: true; readonly reason: string }
  | { readonly apply: false; readonly guard: "shrink" | "growth" | "never-block"; readonly reason: string };

/**
 * The blocked name that blocks `name` (itself or its closest listed ancestor), or undefined. A
 * carve-out closer than any blocked ancestor leaves it resolving, as unbound's closest
 * local-zone answers.
 */
export function blockedBy(name: string, names: NameSet, carveOuts: NameSet): string | undefined {
  for (let at = 0; at >= 0; at = name.indexOf(".", at) + 1 || -1) {
    const suffix = name.slice(at);
    if (carveOuts.has(suffix)) return undefined;
    if (names.has(suffix)) return suffix;
  }
  return undefined;
}

const percent = (x: number): string => `${Math.round(x * 10) / 10} %`;

/** Whether a decision may be applied, with a one-line reason that names the numbers or the name. */
export function checkGuards(input: GuardInput, limits: GuardLimits = DEFAULT_LIMITS): GuardVerdict {
  const next = input.names.size + input.networks.length;
  const previous = input.previous;
  if (previous !== undefined && previous > 0) {
    const change = ((next - previous) / previous) * 100;
    if (-change > limits.maxShrinkPercent) {
      return {
        apply: false,
        guard: "shrink",
        reason: `the list would shrink from ${previous} to ${next} entries (${percent(-change)}, more than --max-shrink ${limits.maxShrinkPercent} %)`,
      };
    }
    if (change > limits.maxGrowthPercent) {
      return {
        apply: false,
        guard: "growth",
        reason: `the list would grow from ${previous} to ${next} entries (${percent(change)}, more than --max-growth ${limits.maxGrowthPercent} %)`,
      };
    }
  }
  let firewall: BlockList | undefined;
  for (const protect of input.neverBlock) {
    const address = canonicalAddress(protect.name);
    if (address !== undefined) {
      if (firewall === undefined) {
        firewall = new BlockList();
        for (const cidr of input.networks) {
          const slash = cidr.lastIndexOf("/");
          const family = cidr.includes(":") ? "ipv6" : "ipv4";
          firewall.addSubnet(cidr.slice(0, slash), Number(cidr.slice(slash + 1)), family);
        }
      }
      if (firewall.check(address.text, address.family === 4 ? "ipv4" : "ipv6")) {
        return { apply: false, guard: "never-block", reason: `the list would block ${protect.name} (${protect.why}) by address` };
      }
      continue;
    }
    const name = normaliseName(protect.name);
    // a name no list entry can be (one label, say) can never be blocked
    if (isRefusal(name)) continue;
    const by = blockedBy(name, input.names, input.carveOuts);
    if (by !== undefined) {
      const how = by === name ? "" : ` through ${by}`;
      return { apply: false, guard: "never-block", reason: `the list would block ${name} (${protect.why})${how}` };
    }
  }
  const was = previous === undefined ? "first list" : `${previous} before`;
  return { apply: true, reason: `${next} entries (${was})` };
}
