import { JobConfigError } from "../job.js";
import type { OptionSpec } from "../../options/option-spec.js";
import type { Options } from "../../options/read-options.js";
import type { PoolScoreSettings } from "./pool-score.js";

/** ntp-check's --pool-* options, declared for the one option layer. */
export const POOL_OPTIONS: readonly OptionSpec[] = [
  { name: "pool-score", kind: "switch", env: "CHIME_NTP_POOL_SCORE", help: "judge peers that are pool members by their pool score" },
  {
    name: "pool-warn",
    kind: "text",
    value: "SCORE",
    env: "CHIME_NTP_POOL_WARN",
    default: "10",
    help: "a pool score below this is WARNING (the pool's removal mark)",
  },
  {
    name: "pool-crit",
    kind: "text",
    value: "SCORE",
    env: "CHIME_NTP_POOL_CRIT",
    default: "-50",
    help: "a pool score below this is CRITICAL",
  },
  {
    name: "pool-interval",
    kind: "duration",
    env: "CHIME_NTP_POOL_INTERVAL",
    default: "30m",
    min: 60_000,
    max: 86_400_000,
    help: "ask about a peer at most once per this (cached)",
  },
  {
    name: "pool-url",
    kind: "text",
    value: "URL",
    env: "CHIME_NTP_POOL_URL",
    default: "https://www.ntppool.org",
    help: "where /scores/IP/json answers",
  },
  {
    name: "pool-timeout",
    kind: "duration",
    env: "CHIME_NTP_POOL_TIMEOUT",
    default: "10s",
    min: 100,
    max: 60_000,
    help: "deadline of each pool API query",
  },
];

/** The --pool-* options of an ntp-check command line (and their variables) as settings; null: off. */
export function readPoolSettings(o: Options): PoolScoreSettings | null {
  if (!o.switch("pool-score")) return null;
  const score = (name: string): number => {
    const text = o.text(name)!;
    const v = /^[+-]?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : NaN;
    if (!Number.isFinite(v))
      throw new JobConfigError(`ntp-check: ${o.source(name)}: not a score (a number like 10 or -50): ${JSON.stringify(text)}`);
    return v;
  };
  const warn = score("pool-warn");
  const crit = score("pool-crit");
  if (crit > warn)
    throw new JobConfigError(
      `ntp-check: ${o.source("pool-crit")}: must not be above --pool-warn ${warn}: ${JSON.stringify(o.text("pool-crit"))}`,
    );
  const baseUrl = o.text("pool-url")!;
  let u: URL | undefined;
  try {
    u = new URL(baseUrl);
  } catch {
    u = undefined;
  }
  if (u === undefined || (u.protocol !== "http:" && u.protocol !== "https:"))
    throw new JobConfigError(`ntp-check: ${o.source("pool-url")}: not an http(s) URL: ${JSON.stringify(baseUrl)}`);
  return { baseUrl, intervalMs: o.duration("pool-interval"), warn, crit, timeoutMs: o.duration("pool-timeout") };
}
