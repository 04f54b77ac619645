import { isIP } from "node:net";
import type { JobStatus } from "../job.js";
import { runProcess, type ProcessScope } from "../process-runner.js";
import { formatMs, type PollStats, type Problem, type Thresholds } from "./judge-peers.js";
import { parseChronySources, parseChronyTracking } from "./chrony-status.js";
import { OPENNTPD_ERROR_BACKOFF_SECONDS, OPENNTPD_VALID_TRUST, parseOpenntpdPeers, parseOpenntpdStatus } from "./openntpd-status.js";

/**
 * The local NTP daemon's own view, compared with what we measured ourselves: the incident's
 * OpenNTPD said "clock synced" while every peer was ~985 ms away.
 */
export type DaemonKind = "openntpd" | "chrony";

export interface DaemonView {
  readonly lines: readonly string[];
  readonly problems: readonly Problem[];
  /**
   * The addresses the daemon uses now (--pool-score asks about them): a server the pool has
   * dropped is gone from the pool's DNS, so only the daemon still knows it.
   */
  readonly peerAddresses?: readonly string[];
}

/** chronyc/ntpctl print a few KiB; more is not one of them */
const MAX_TOOL_OUTPUT = 1 << 20;

/** argv, never a shell: `--ntpctl "ntpctl"` or `--chronyc "chronyc -h /run/chrony/chronyd.sock"`. */
export async function runTool(argv: readonly string[], scope: ProcessScope = {}, timeoutMs = 10_000): Promise<string> {
  let stdout = "";
  let stderr = "";
  const o = await runProcess({
    ...scope,
    argv,
    timeoutMs,
    onStdout: (b) => {
      if (stdout.length < MAX_TOOL_OUTPUT) stdout += b.toString("utf8");
    },
    onStderr: (b) => {
      if (stderr.length < MAX_TOOL_OUTPUT) stderr += b.toString("utf8");
    },
  });
  if (o.spawnError === undefined && o.stoppedBy === undefined && o.code === 0) return stdout;
  // One line only: the reason ends up inside the Nagios status line, and a newline
  // there would push the perfdata into the long output.
  const stderrLine = stderr.trim().split("\n")[0]?.trim();
  const why =
    o.spawnError === "ENOENT"
      ? "not found"
      : o.spawnError !== undefined
        ? o.spawnError
        : o.timedOut && !scope.signal?.aborted
          ? `no answer within ${timeoutMs / 1000} s`
          : o.stoppedBy !== undefined
            ? `stopped (${o.stoppedBy})`
            : stderrLine || (o.signal ? `killed by ${o.signal}` : `exit ${o.code}`);
  throw new Error(`${argv.join(" ")}: ${why}`);
}

const level = (x: number, t: Thresholds): JobStatus => (x > t.crit ? "critical" : x > t.warn ? "warning" : "ok");

export async function openntpdView(ntpctl: readonly string[], stats: PollStats, t: Thresholds, scope?: ProcessScope): Promise<DaemonView> {
  let statusText: string;
  let peersText: string;
  try {
    statusText = await runTool([...ntpctl, "-s", "status"], scope);
    peersText = await runTool([...ntpctl, "-s", "peers"], scope);
  } catch (err) {
    return { lines: [], problems: [{ severity: "unknown", text: `openntpd: ${(err as Error).message}` }] };
  }
  const status = parseOpenntpdStatus(statusText);
  const peers = parseOpenntpdPeers(peersText);
  if (status === null || peers === null) {
    const bad = status === null ? statusText : peersText;
    return {
      lines: [],
      problems: [{ severity: "unknown", text: `openntpd: ntpctl output not understood: ${bad.trim().split("\n")[0] ?? ""}` }],
    };
  }
  const problems: Problem[] = [];
  const ours = stats.medianOffset === null ? "ok" : level(Math.abs(stats.medianOffset), t);
  if (!status.synced) problems.push({ severity: "warning", text: "openntpd: clock unsynced" });
  else if (ours !== "ok") {
    problems.push({ severity: ours, text: `openntpd says clock synced while our median offset is ${formatMs(stats.medianOffset!)}` });
  }
  if (status.stratum !== null && status.stratum > t.maxStratum) {
    problems.push({ severity: "warning", text: `openntpd: stratum ${status.stratum} > ${t.maxStratum}` });
  }
  if (status.validPeers !== null && status.validPeers < t.minPeers) {
    problems.push({ severity: "warning", text: `openntpd: only ${status.validPeers}/${status.totalPeers} peers valid` });
  }
  const valid = peers.filter((p) => p.trustLevel >= OPENNTPD_VALID_TRUST && p.offsetMs !== null);
  // The stuck signature: a valid peer in error back-off blocks every clock adjustment. Its
  // poll column shows the 3000–3300 s interval; next counts down from it.
  const backedOff = valid.filter((x) => Math.max(x.pollSeconds, x.nextSeconds) >= OPENNTPD_ERROR_BACKOFF_SECONDS);
  for (const p of backedOff) {
    const text = `openntpd peer ${p.address} valid but next query in ${p.nextSeconds}s (poll ${p.pollSeconds}s: error back-off, it answered unsynchronised or KoD)`;
    problems.push({ severity: ours === "ok" ? "warning" : "critical", text: ours === "ok" ? text : `${text}, clock not being corrected` });
  }
  if (valid.length > 0) {
    const meanAbs = valid.reduce((a, p) => a + Math.abs(p.offsetMs!), 0) / valid.length / 1000;
    const l = level(meanAbs, t);
    if (l !== "ok") problems.push({ severity: l, text: `openntpd: mean abs offset of its valid peers ${formatMs(meanAbs, false)}` });
  }
  const lines = [
    `openntpd: ${statusText.trim()}`,
    ...peers.map(
      (p) =>
        `openntpd peer ${p.address}${p.selected ? " *" : ""} tl ${p.trustLevel} st ${p.stratum ?? "-"} next ${p.nextSeconds}s offset ${p.offsetMs ?? "-"}ms`,
    ),
  ];
  return { lines, problems, peerAddresses: peers.map((p) => p.address).filter((a) => isIP(a) !== 0) };
}

export async function chronyView(chronyc: readonly string[], t: Thresholds, scope?: ProcessScope): Promise<DaemonView> {
  let trackingText: string;
  let sourcesText: string;
  try {
    trackingText = await runTool([...chronyc, "-c", "tracking"], scope);
    sourcesText = await runTool([...chronyc, "-c", "sources"], scope);
  } catch (err) {
    return { lines: [], problems: [{ severity: "unknown", text: `chrony: ${(err as Error).message}` }] };
  }
  const tracking = parseChronyTracking(trackingText);
  const sources = parseChronySources(sourcesText);
  if (tracking === null || sources === null) {
    const bad = tracking === null ? trackingText : sourcesText;
    return {
      lines: [],
      problems: [{ severity: "unknown", text: `chrony: chronyc output not understood: ${bad.trim().split("\n")[0] ?? ""}` }],
    };
  }
  const problems: Problem[] = [];
  if (tracking.leapStatus === "Not synchronised") problems.push({ severity: "warning", text: "chrony: not synchronised" });
  const off = level(Math.abs(tracking.systemTimeCorrection), t);
  if (off !== "ok") {
    problems.push({ severity: off, text: `chrony: system clock off by ${formatMs(-tracking.systemTimeCorrection)} (local minus true)` });
  }
  if (tracking.stratum > t.maxStratum)
    problems.push({ severity: "warning", text: `chrony: stratum ${tracking.stratum} > ${t.maxStratum}` });
  if (!sources.some((s) => s.state === "*")) problems.push({ severity: "warning", text: "chrony: no selected source" });
  const falsetickers = sources.filter((s) => s.state === "x").map((s) => s.name);
  if (falsetickers.length) problems.push({ severity: "warning", text: `chrony: falsetickers ${falsetickers.join(", ")}` });
  const lines = [
    `chrony: ref ${tracking.refName} stratum ${tracking.stratum} correction ${formatMs(tracking.systemTimeCorrection)} leap ${tracking.leapStatus}`,
    ...sources.map((s) => `chrony source ${s.mode}${s.state} ${s.name} stratum ${s.stratum} reach ${s.reach.toString(8)}`),
  ];
  // names chronyc resolved back are not asked about: the API wants the address
  return { lines, problems, peerAddresses: sources.filter((s) => s.mode === "^" && isIP(s.name) !== 0).map((s) => s.name) };
}
