import type { JobStatus } from "../job.js";
import { pluginText } from "../plugin-text.js";

/**
 * The Nagios plugin output of a run (monitoring-plugins convention, like ntp-check): a status
 * line `DNS-BLOCKLIST STATE: text|perfdata`, then one long-output line per source. Every text
 * goes through pluginText (no `|`, no line break).
 */
const STATE: Record<JobStatus, string> = { ok: "OK", warning: "WARNING", critical: "CRITICAL", unknown: "UNKNOWN" };

export interface PluginFacts {
  names: number | undefined;
  networks: number | undefined;
  added: number;
  removed: number;
  sourcesFailed: number;
  sources: number;
}

export function statusLine(status: JobStatus, text: string, f: PluginFacts): string {
  const n = (x: number | undefined): string => (x === undefined ? "U" : String(x));
  const perf = [
    `names=${n(f.names)};;;0;`,
    `networks=${n(f.networks)};;;0;`,
    `added=${f.added};;;0;`,
    `removed=${f.removed};;;0;`,
    `sources_failed=${f.sourcesFailed};;;0;${f.sources}`,
  ];
  return `DNS-BLOCKLIST ${STATE[status]}: ${pluginText(text)}|${perf.join(" ")}`;
}

export function reportText(statusLineText: string, details: readonly string[]): string {
  return [statusLineText, ...details.map(pluginText)].join("\n") + "\n";
}
