import type { JobStatus } from "../job.js";
import { pluginText } from "../plugin-text.js";
import type { PeerReport, PollStats, Problem, Thresholds } from "./judge-peers.js";
import { formatMs } from "./judge-peers.js";

// Output in the monitoring-plugins convention (`NTP <STATE>: text|perfdata`, exit 0–3), so an
// existing Nagios/Icinga check can call `chime ntp-check` unchanged; every text goes through
// pluginText (no `|`, no line break, controls escaped).

const STATE: Record<JobStatus, string> = { ok: "OK", warning: "WARNING", critical: "CRITICAL", unknown: "UNKNOWN" };

function secs(x: number | null): string {
  return x === null ? "U" : `${x.toFixed(6)}s`;
}

/** A plain decimal for a threshold (String(1e-7) would be "1e-7", not perfdata syntax). */
function plain(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(9).replace(/\.?0+$/, "");
}

export function perfdata(stats: PollStats, t: Thresholds): string {
  // The offset is signed and judged by its size: in plugin range syntax a bare "0.1" would
  // mean "alert below 0", so every slow clock would be out of range for a perfdata reader.
  const signed = (x: number): string => `${plain(-x)}:${plain(x)}`;
  return [
    `offset=${secs(stats.medianOffset)};${signed(t.warn)};${signed(t.crit)};;`,
    `meanabsoffset=${secs(stats.meanAbsOffset)};${plain(t.warn)};${plain(t.crit)};0;`,
    `jitter=${secs(stats.maxJitter)};;;0;`,
    `stratum=${stats.maxStratum ?? "U"};${t.maxStratum};;0;16`,
    `peers=${stats.valid};;${t.minPeers}:;0;${stats.configured}`,
    `truechimers=${stats.truechimers};;;0;${stats.configured}`,
  ].join(" ");
}

export function okText(stats: PollStats): string {
  const parts = [`${stats.valid}/${stats.configured} peers valid`];
  if (stats.medianOffset !== null) parts.push(`median offset ${formatMs(stats.medianOffset)}`);
  if (stats.meanAbsOffset !== null) parts.push(`mean abs offset ${formatMs(stats.meanAbsOffset, false)}`);
  if (stats.maxStratum !== null) parts.push(`max stratum ${stats.maxStratum}`);
  return parts.join(", ");
}

/** The one-line summary: the worst problem first, every other one after it. */
export function statusLine(
  status: JobStatus,
  problems: readonly Problem[],
  stats: PollStats,
  t: Thresholds,
  notes: readonly string[] = [],
): string {
  // Nagios reads only the first line as the status; text from tools (stderr) must not break it.
  const text = problems.length === 0 ? okText(stats) : problems.map((p) => pluginText(p.text)).join("; ");
  // notes (a failed ASN lookup) are said, but judge nothing
  const noted = notes.map((n) => `; ${pluginText(n)}`).join("");
  return `NTP ${STATE[status]}: ${text}${noted}|${perfdata(stats, t)}`;
}

const LEAP_TEXT = ["0", "1", "2", "3"];

/**
 * One row per peer in the spirit of `ntpctl -s all`; the header is row 0. With `asn` (--asn),
 * a column saying who runs each peer, before the verdict.
 */
export function peerTable(peers: readonly PeerReport[], asn?: (label: string) => string): string[] {
  const rows = [["peer", "refid", "st", "li", "offset", "delay", "jitter", "n", ...(asn ? ["as"] : []), "verdict"]];
  for (const p of peers) {
    const s = p.sample;
    rows.push([
      p.label,
      s ? s.refId : "-",
      s ? String(s.stratum) : p.refused ? String(p.refused.stratum) : "-",
      s ? LEAP_TEXT[s.leap]! : p.refused ? String(p.refused.leap) : "-",
      s ? `${(s.offset * 1000).toFixed(3)}ms` : "-",
      s ? `${(s.delay * 1000).toFixed(3)}ms` : "-",
      s ? `${(p.jitter * 1000).toFixed(3)}ms` : "-",
      String(p.samples),
      ...(asn ? [asn(p.label)] : []),
      !p.detail ? p.verdict : p.detail.startsWith(p.verdict) ? p.detail : `${p.verdict}: ${p.detail}`,
    ]);
  }
  // long output: a `|` in any cell would start perfdata there
  const safe = rows.map((r) => r.map(pluginText));
  const widths = safe[0]!.map((_, c) => Math.max(...safe.map((r) => r[c]!.length)));
  return safe.map((r) =>
    r
      .map((cell, c) =>
        c === r.length - 1 ? cell : c <= 1 || (asn && c === r.length - 2) ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!),
      )
      .join("  "),
  );
}
