import { execFile } from "node:child_process";
import type { JobStatus } from "../job.js";
import { formatMs, type PollStats, type Problem, type Thresholds } from "./judge-peers.js";
import { parseChronySources, parseChronyTracking } from "./chrony-status.js";
import {
  OPENNTPD_ERROR_BACKOFF_SECONDS,
  OPENNTPD_VALID_TRUST,
  parseOpenntpdPeers,
  parseOpenntpdStatus,
} from "./openntpd-status.js";

/**
 * The local NTP daemon's own view, compared with what we measured ourselves: the incident's
 * OpenNTPD said "clock synced" while every peer was ~985 ms away.
 */
export type DaemonKind = "openntpd" | "chrony";

export interface DaemonView {
  readonly lines: readonly string[];
  readonly problems: readonly Problem[];
}

/** argv, never a shell: `--ntpctl "ntpctl"` or `--chronyc "chronyc -h /run/chrony/chronyd.sock"`. */
export function runTool(argv: readonly string[], signal?: AbortSignal, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = argv;
    execFile(cmd!, args, { timeout: timeoutMs, maxBuffer: 1 << 20, ...(signal ? { signal } : {}) }, (err, stdout, stderr) => {
      if (err) {
        // One line only: the reason ends up inside the Nagios status line, and a newline
        // there would push the perfdata into the long output.
        const e = err as NodeJS.ErrnoException & { code?: string | number; signal?: string | null; killed?: boolean };
        const stderrLine = stderr.trim().split("\n")[0]?.trim();
        const why =
          e.code === "ENOENT"
            ? "not found"
            : e.killed && !signal?.aborted
              ? `no answer within ${timeoutMs / 1000} s`
              : stderrLine || (typeof e.code === "number" ? `exit ${e.code}` : e.signal ? `killed by ${e.signal}` : e.message.split("\n")[0]!.trim());
        reject(new Error(`${argv.join(" ")}: ${why}`));
      } else resolve(stdout);
    });
  });
}

const level = (x: number, t: Thresholds): JobStatus => (x > t.crit ? "critical" : x > t.warn ? "warning" : "ok");

export async function openntpdView(ntpctl: readonly string[], stats: PollStats, t: Thresholds, signal?: AbortSignal): Promise<DaemonView> {
  let statusText: string;
  let peersText: string;
  try {
    statusText = await runTool([...ntpctl, "-s", "status"], signal);
    peersText = await runTool([...ntpctl, "-s", "peers"], signal);
  } catch (err) {
    return { lines: [], problems: [{ severity: "unknown", text: `openntpd: ${(err as Error).message}` }] };
  }
  const status = parseOpenntpdStatus(statusText);
  const peers = parseOpenntpdPeers(peersText);
  if (status === null || peers === null) {
    const bad = status === null ? statusText : peersText;
    return { lines: [], problems: [{ severity: "unknown", text: `openntpd: ntpctl output not understood: ${bad.trim().split("\n")[0] ?? ""}` }] };
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
      (p) => `openntpd peer ${p.address}${p.selected ? " *" : ""} tl ${p.trustLevel} st ${p.stratum ?? "-"} next ${p.nextSeconds}s offset ${p.offsetMs ?? "-"}ms`,
    ),
  ];
  return { lines, problems };
}

export async function chronyView(chronyc: readonly string[], t: Thresholds, signal?: AbortSignal): Promise<DaemonView> {
  let trackingText: string;
  let sourcesText: string;
  try {
    trackingText = await runTool([...chronyc, "-c", "tracking"], signal);
    sourcesText = await runTool([...chronyc, "-c", "sources"], signal);
  } catch (err) {
    return { lines: [], problems: [{ severity: "unknown", text: `chrony: ${(err as Error).message}` }] };
  }
  const tracking = parseChronyTracking(trackingText);
  const sources = parseChronySources(sourcesText);
  if (tracking === null || sources === null) {
    const bad = tracking === null ? trackingText : sourcesText;
    return { lines: [], problems: [{ severity: "unknown", text: `chrony: chronyc output not understood: ${bad.trim().split("\n")[0] ?? ""}` }] };
  }
  const problems: Problem[] = [];
  if (tracking.leapStatus === "Not synchronised") problems.push({ severity: "warning", text: "chrony: not synchronised" });
  const off = level(Math.abs(tracking.systemTimeCorrection), t);
  if (off !== "ok") {
    problems.push({ severity: off, text: `chrony: system clock off by ${formatMs(-tracking.systemTimeCorrection)} (local minus true)` });
  }
  if (tracking.stratum > t.maxStratum) problems.push({ severity: "warning", text: `chrony: stratum ${tracking.stratum} > ${t.maxStratum}` });
  if (!sources.some((s) => s.state === "*")) problems.push({ severity: "warning", text: "chrony: no selected source" });
  const falsetickers = sources.filter((s) => s.state === "x").map((s) => s.name);
  if (falsetickers.length) problems.push({ severity: "warning", text: `chrony: falsetickers ${falsetickers.join(", ")}` });
  const lines = [
    `chrony: ref ${tracking.refName} stratum ${tracking.stratum} correction ${formatMs(tracking.systemTimeCorrection)} leap ${tracking.leapStatus}`,
    ...sources.map((s) => `chrony source ${s.mode}${s.state} ${s.name} stratum ${s.stratum} reach ${s.reach.toString(8)}`),
  ];
  return { lines, problems };
}
