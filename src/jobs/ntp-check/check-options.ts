import { parseSwitch, SWITCH_WORDS } from "../switch-option.js";
import { JobConfigError, type Environment } from "../job.js";
import type { Thresholds } from "./judge-peers.js";
import type { DaemonKind } from "./local-daemon-view.js";
import { parseServer, type ServerSpec } from "./server-address.js";
import type { ReplyLimits } from "./validate-reply.js";
import { parseDurationMs } from "../../time/duration-option.js";
import { commandWords } from "../command-words.js";
import { isPoolOption, poolOptionTakesValue, readPoolSettings } from "./pool-options.js";
import type { PoolScoreSettings } from "./pool-score.js";

/** Everything `ntp-check` was told, parsed once at the edge; the job trusts it. */
export interface NtpCheckConfig {
  readonly servers: readonly ServerSpec[];
  readonly samples: number;
  readonly spacingMs: number;
  readonly timeoutMs: number;
  readonly thresholds: Thresholds;
  readonly limits: ReplyLimits;
  readonly daemon: { readonly kind: DaemonKind; readonly argv: readonly string[] } | null;
  readonly onCritical: { readonly argv: readonly string[]; readonly everyMs: number; readonly after: number } | null;
  readonly promFile: string | null;
  readonly verbose: boolean;
  /** --pool-score and its settings (pool-options.ts); null: off */
  readonly poolScore: PoolScoreSettings | null;
}

type Kind = "count" | "duration" | "text" | "flag";
interface OptionDef {
  readonly kind: Kind;
  readonly env: string;
  readonly min?: number;
  readonly max?: number;
}

/** Every option and its environment variable (for envdir); a flag wins over the variable. */
export const OPTIONS: Readonly<Record<string, OptionDef>> = {
  samples: { kind: "count", env: "CHIME_NTP_SAMPLES", min: 1, max: 16 },
  // Politeness to servers we do not own: never two requests within a second.
  spacing: { kind: "duration", env: "CHIME_NTP_SPACING", min: 1000, max: 60_000 },
  timeout: { kind: "duration", env: "CHIME_NTP_TIMEOUT", min: 10, max: 60_000 },
  "min-peers": { kind: "count", env: "CHIME_NTP_MIN_PEERS", min: 1, max: 64 },
  warn: { kind: "duration", env: "CHIME_NTP_WARN", min: 0 },
  crit: { kind: "duration", env: "CHIME_NTP_CRIT", min: 0 },
  "max-stratum": { kind: "count", env: "CHIME_NTP_MAX_STRATUM", min: 1, max: 15 },
  "unsync-polls": { kind: "count", env: "CHIME_NTP_UNSYNC_POLLS", min: 1, max: 1000 },
  "max-delay": { kind: "duration", env: "CHIME_NTP_MAX_DELAY", min: 1, max: 60_000 },
  "max-root-distance": { kind: "duration", env: "CHIME_NTP_MAX_ROOT_DISTANCE", min: 1, max: 60_000 },
  daemon: { kind: "text", env: "CHIME_NTP_DAEMON" },
  ntpctl: { kind: "text", env: "CHIME_NTP_NTPCTL" },
  chronyc: { kind: "text", env: "CHIME_NTP_CHRONYC" },
  "on-critical": { kind: "text", env: "CHIME_NTP_ON_CRITICAL" },
  "on-critical-every": { kind: "duration", env: "CHIME_NTP_ON_CRITICAL_EVERY", min: 0 },
  "critical-after": { kind: "count", env: "CHIME_NTP_CRITICAL_AFTER", min: 1, max: 1000 },
  "prom-file": { kind: "text", env: "CHIME_NTP_PROM_FILE" },
  verbose: { kind: "flag", env: "CHIME_NTP_VERBOSE" },
};

const DEFAULTS: Readonly<Record<string, string>> = {
  samples: "4",
  spacing: "1s",
  timeout: "1s",
  "min-peers": "3",
  warn: "100ms",
  crit: "500ms",
  "max-stratum": "7",
  "unsync-polls": "2",
  "max-delay": "1s",
  "max-root-distance": "1.5s",
  daemon: "none",
  ntpctl: "ntpctl",
  chronyc: "chronyc",
  "on-critical-every": "1h",
  "critical-after": "2",
};

interface Source {
  readonly value: string;
  readonly from: string;
}

function fail(src: Source, why: string): never {
  throw new JobConfigError(`ntp-check: bad value for ${src.from}: ${JSON.stringify(src.value)} (${why})`);
}

function toNumber(def: OptionDef, src: Source): number {
  let v: number | null;
  if (def.kind === "count") v = /^\d+$/.test(src.value.trim()) ? Number(src.value) : null;
  // A unit is required here: a bare "5" could mean seconds (check_ntp_time) or ms (ntpctl).
  else v = /[a-z]$/.test(src.value.trim()) ? parseDurationMs(src.value) : null;
  if (v === null) fail(src, def.kind === "count" ? "expected a whole number" : "expected a duration such as 250ms, 2s, 1h");
  if ((def.min !== undefined && v < def.min) || (def.max !== undefined && v > def.max)) {
    const unit = def.kind === "duration" ? " ms" : "";
    fail(src, `allowed ${def.min ?? "-"}…${def.max ?? "-"}${unit}`);
  }
  return v;
}


export function parseNtpCheckArgs(args: readonly string[], env: Environment): NtpCheckConfig {
  const given = new Map<string, Source>();
  const positional: Source[] = [];
  /** --pool-* words, read by the option layer (pool-options.ts) */
  const poolWords: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      positional.push(...args.slice(i + 1).map((value) => ({ value, from: "argument" })));
      break;
    }
    if (a === "-v") {
      given.set("verbose", { value: "1", from: "-v" });
      continue;
    }
    if (!a.startsWith("-") || a === "-") {
      positional.push({ value: a, from: "argument" });
      continue;
    }
    const eq = a.indexOf("=");
    const name = a.startsWith("--") ? a.slice(2, eq < 0 ? undefined : eq) : "";
    if (isPoolOption(name)) {
      poolWords.push(a);
      if (eq < 0 && poolOptionTakesValue(name) && i + 1 < args.length) poolWords.push(args[++i]!);
      continue;
    }
    const def = OPTIONS[name];
    if (def === undefined) throw new JobConfigError(`ntp-check: unknown option: ${a}`);
    if (def.kind === "flag") {
      if (eq >= 0) throw new JobConfigError(`ntp-check: --${name} takes no value: ${a}`);
      given.set(name, { value: "1", from: `--${name}` });
      continue;
    }
    const value = eq >= 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined) throw new JobConfigError(`ntp-check: --${name} needs a value`);
    given.set(name, { value, from: `--${name}` });
  }
  const source = (name: string): Source | null => {
    const g = given.get(name);
    if (g) return g;
    const def = OPTIONS[name]!;
    const e = env[def.env];
    if (e !== undefined && e !== "") return { value: e, from: `environment variable ${def.env}` };
    const d = DEFAULTS[name];
    return d === undefined ? null : { value: d, from: `default of --${name}` };
  };
  const num = (name: string): number => toNumber(OPTIONS[name]!, source(name)!);

  if (positional.length === 0 && env.CHIME_NTP_SERVERS) {
    for (const value of env.CHIME_NTP_SERVERS.split(/[\s,]+/).filter(Boolean)) {
      positional.push({ value, from: "environment variable CHIME_NTP_SERVERS" });
    }
  }
  if (positional.length === 0) throw new JobConfigError("ntp-check: no SERVER given (arguments or CHIME_NTP_SERVERS)");
  const servers = positional.map((p) => {
    const s = parseServer(p.value);
    if (typeof s === "string") throw new JobConfigError(`ntp-check: ${s} (from ${p.from})`);
    return s;
  });

  const warn = num("warn") / 1000;
  const crit = num("crit") / 1000;
  if (crit < warn) fail(source("crit")!, `must not be below --warn ${warn * 1000}ms`);

  const daemonSrc = source("daemon")!;
  let daemon: NtpCheckConfig["daemon"] = null;
  if (daemonSrc.value === "openntpd" || daemonSrc.value === "chrony") {
    const toolName = daemonSrc.value === "openntpd" ? "ntpctl" : "chronyc";
    const tool = source(toolName)!;
    const argv = commandWords(tool.value);
    if (argv.length === 0) fail(tool, "empty command");
    daemon = { kind: daemonSrc.value, argv };
  } else if (daemonSrc.value !== "none") fail(daemonSrc, "expected openntpd, chrony or none");

  const onCritSrc = source("on-critical");
  let onCritical: NtpCheckConfig["onCritical"] = null;
  if (onCritSrc !== null) {
    const argv = commandWords(onCritSrc.value);
    if (argv.length === 0) fail(onCritSrc, "empty command");
    onCritical = { argv, everyMs: num("on-critical-every"), after: num("critical-after") };
  }
  const verboseSrc = source("verbose");
  let verbose = false;
  if (verboseSrc !== null) {
    const on = parseSwitch(verboseSrc.value);
    if (on === null) fail(verboseSrc, `expected ${SWITCH_WORDS}`);
    verbose = on;
  }

  return {
    servers,
    samples: num("samples"),
    spacingMs: num("spacing"),
    timeoutMs: num("timeout"),
    thresholds: {
      warn,
      crit,
      minPeers: num("min-peers"),
      maxStratum: num("max-stratum"),
      unsyncPolls: num("unsync-polls"),
    },
    limits: { maxDelay: num("max-delay") / 1000, maxRootDistance: num("max-root-distance") / 1000 },
    daemon,
    onCritical,
    promFile: source("prom-file")?.value ?? null,
    verbose,
    poolScore: readPoolSettings(poolWords, env),
  };
}
