import type { OptionSpec } from "../../options/option-spec.js";
import { readOptions } from "../../options/read-options.js";
import { JobConfigError, type Environment } from "../job.js";
import type { Thresholds } from "./judge-peers.js";
import type { DaemonKind } from "./local-daemon-view.js";
import { parseServer, type ServerSpec } from "./server-address.js";
import type { ReplyLimits } from "./validate-reply.js";
import { durationWords } from "../../time/duration-option.js";
import { NTP_ASN_OPTIONS, asnCheckConfig, type AsnCheckConfig } from "./peer-asns.js";
import { commandWords } from "../command-words.js";
import { POOL_OPTIONS, readPoolSettings } from "./pool-options.js";
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
  /** --asn: null without it */
  readonly asn: AsnCheckConfig | null;
  /** --pool-score and its settings (pool-options.ts); null: off */
  readonly poolScore: PoolScoreSettings | null;
}

// Every duration here needs its unit: a bare "5" could mean seconds (check_ntp_time) or
// milliseconds (ntpctl's output).
export const OPTIONS: readonly OptionSpec[] = [
  {
    name: "samples",
    kind: "count",
    env: "CHIME_NTP_SAMPLES",
    default: "4",
    min: 1,
    max: 16,
    help: "requests per peer per poll",
    doc: "requests per peer per poll (1–16)",
  },
  // Politeness to servers we do not own: never two requests within a second.
  {
    name: "spacing",
    kind: "duration",
    env: "CHIME_NTP_SPACING",
    default: "1s",
    min: 1000,
    max: 60_000,
    unitRequired: true,
    help: "time between requests to one peer, at least 1s",
    doc: "time between two requests to one peer; at least 1 s, out of politeness to servers we do not own",
  },
  {
    name: "timeout",
    kind: "duration",
    env: "CHIME_NTP_TIMEOUT",
    default: "1s",
    min: 10,
    max: 60_000,
    unitRequired: true,
    help: "wait for each reply",
    doc: "how long to wait for each reply",
  },
  {
    name: "min-peers",
    kind: "count",
    env: "CHIME_NTP_MIN_PEERS",
    default: "3",
    min: 1,
    max: 64,
    help: "fewer valid peers is CRITICAL",
    doc: "fewer valid peers is CRITICAL (RFC 8633 §3.2 asks for at least four sources)",
  },
  {
    name: "warn",
    kind: "duration",
    env: "CHIME_NTP_WARN",
    default: "100ms",
    min: 0,
    unitRequired: true,
    help: "mean abs offset or abs median offset WARNING",
    doc: "mean \\|offset\\| (or \\|median offset\\|) above this is a WARNING (at it: still OK, as in `check_ntp_time`)",
  },
  {
    name: "crit",
    kind: "duration",
    env: "CHIME_NTP_CRIT",
    default: "500ms",
    min: 0,
    unitRequired: true,
    help: "… CRITICAL (not below --warn)",
    doc: "… a CRITICAL (not below `--warn`)",
  },
  {
    name: "max-stratum",
    kind: "count",
    env: "CHIME_NTP_MAX_STRATUM",
    default: "7",
    min: 1,
    max: 15,
    help: "a valid peer above it is a WARNING",
    doc: "a valid peer above this stratum is a WARNING (the NTP pool monitor penalises 8 and above)",
  },
  {
    name: "unsync-polls",
    kind: "count",
    env: "CHIME_NTP_UNSYNC_POLLS",
    default: "2",
    min: 1,
    max: 1000,
    help: "LI=3 this many polls in a row is CRITICAL",
    doc: "a peer answering LI=3 this many polls in a row is CRITICAL",
  },
  {
    name: "max-delay",
    kind: "duration",
    env: "CHIME_NTP_MAX_DELAY",
    default: "1s",
    min: 1,
    max: 60_000,
    unitRequired: true,
    help: "refuse replies with a longer round trip",
    doc: "replies with a longer round trip are refused",
  },
  {
    name: "max-root-distance",
    kind: "duration",
    env: "CHIME_NTP_MAX_ROOT_DISTANCE",
    default: "1.5s",
    min: 1,
    max: 60_000,
    unitRequired: true,
    help: "refuse replies with a larger root distance",
    doc: "replies whose root delay / 2 + root dispersion is larger are refused",
  },
  {
    name: "daemon",
    kind: "text",
    env: "CHIME_NTP_DAEMON",
    choices: ["openntpd", "chrony", "none"],
    default: "none",
    help: "also judge the local daemon",
  },
  { name: "ntpctl", kind: "text", value: "CMD", env: "CHIME_NTP_NTPCTL", default: "ntpctl", help: "how to run ntpctl" },
  {
    name: "chronyc",
    kind: "text",
    value: "CMD",
    env: "CHIME_NTP_CHRONYC",
    default: "chronyc",
    help: "how to run chronyc",
    doc: "how to run chronyc, e.g. `chronyc -h /run/chrony/chronyd.sock`",
  },
  {
    name: "on-critical",
    kind: "text",
    value: "CMD",
    env: "CHIME_NTP_ON_CRITICAL",
    help: "run CMD (no shell; split on blanks) when critical (--critical-after)",
    doc: "command to run (no shell; words split on blanks) after `--critical-after` critical polls in a row",
  },
  {
    name: "critical-after",
    kind: "count",
    env: "CHIME_NTP_CRITICAL_AFTER",
    default: "2",
    min: 1,
    max: 1000,
    help: "critical polls in a row before --on-critical",
    doc: "critical polls in a row before `--on-critical` runs",
  },
  {
    name: "on-critical-every",
    kind: "duration",
    env: "CHIME_NTP_ON_CRITICAL_EVERY",
    default: "1h",
    min: 0,
    unitRequired: true,
    help: "run --on-critical at most this often",
    doc: "run the `--on-critical` command at most this often",
  },
  {
    name: "prom-file",
    kind: "text",
    value: "PATH",
    env: "CHIME_NTP_PROM_FILE",
    help: "write Prometheus metrics there, atomically",
    doc: "write Prometheus metrics there (for node_exporter's textfile collector)",
  },
  { name: "verbose", kind: "switch", short: "v", env: "CHIME_NTP_VERBOSE", help: "print the per-peer table after the status line" },
  ...NTP_ASN_OPTIONS,
  ...POOL_OPTIONS,
];

/** SERVERs may come from the environment too (envdir): separated by blanks or commas. */
export const SERVERS_ENV = "CHIME_NTP_SERVERS";

export function parseNtpCheckArgs(args: readonly string[], env: Environment): NtpCheckConfig {
  const o = readOptions("ntp-check", OPTIONS, { args, env });
  let positional = o.positionals.map((value) => ({ value, from: "argument" }));
  if (positional.length === 0 && env[SERVERS_ENV]) {
    positional = env[SERVERS_ENV]
      .split(/[\s,]+/)
      .filter(Boolean)
      .map((value) => ({ value, from: `${SERVERS_ENV} (environment)` }));
  }
  if (positional.length === 0) throw new JobConfigError(`ntp-check: no SERVER given (arguments or ${SERVERS_ENV})`);
  const servers = positional.map((p) => {
    const s = parseServer(p.value);
    if (typeof s === "string") throw new JobConfigError(`ntp-check: ${s} (from ${p.from})`);
    return s;
  });

  const warnMs = o.duration("warn");
  const critMs = o.duration("crit");
  if (critMs < warnMs) {
    throw new JobConfigError(
      `ntp-check: ${o.source("crit")}: must not be below --warn ${durationWords(warnMs)}: ${JSON.stringify(durationWords(critMs))}`,
    );
  }

  const kind = o.text("daemon");
  const daemon: NtpCheckConfig["daemon"] =
    kind === "openntpd" || kind === "chrony" ? { kind, argv: commandWords(o.text(kind === "openntpd" ? "ntpctl" : "chronyc")!) } : null;

  const onCriticalText = o.text("on-critical");
  const onCritical: NtpCheckConfig["onCritical"] =
    onCriticalText === undefined
      ? null
      : { argv: commandWords(onCriticalText), everyMs: o.duration("on-critical-every"), after: o.count("critical-after") };

  return {
    servers,
    samples: o.count("samples"),
    spacingMs: o.duration("spacing"),
    timeoutMs: o.duration("timeout"),
    thresholds: {
      warn: warnMs / 1000,
      crit: critMs / 1000,
      minPeers: o.count("min-peers"),
      maxStratum: o.count("max-stratum"),
      unsyncPolls: o.count("unsync-polls"),
    },
    limits: { maxDelay: o.duration("max-delay") / 1000, maxRootDistance: o.duration("max-root-distance") / 1000 },
    daemon,
    onCritical,
    promFile: o.text("prom-file") ?? null,
    verbose: o.switch("verbose"),
    asn: asnCheckConfig(o),
    poolScore: readPoolSettings(o),
  };
}
