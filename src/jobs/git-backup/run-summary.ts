import type { Logger } from "pino";
import type { JobStatus } from "../job.js";
import type { RepoOutcome } from "./update-mirror.js";

/** One log line per repository: repo= status= refs_updated= ms= and, on failure, error=. */
export function reportOutcome(log: Logger, r: RepoOutcome): void {
  const fields: Record<string, unknown> = {
    repo: r.repo,
    status: r.status,
    refs_updated: r.refsUpdated,
    ms: r.ms,
  };
  if (r.refsSaved > 0) fields.refs_saved = r.refsSaved;
  if (r.attempts > 1) fields.attempts = r.attempts;
  if (r.fsck) fields.fsck = r.fsck;
  if (r.notes.length > 0) fields.notes = r.notes.join("; ");
  if (r.error !== undefined) fields.error = r.error;
  if (r.warning !== undefined) fields.warning = r.warning;
  if (r.status === "failed") log.warn(fields, "repository failed");
  else if (r.warning !== undefined) log.warn(fields, `repository ${r.status}, incomplete`);
  else if (r.status === "gone upstream") log.warn(fields, "repository gone upstream");
  else log.info(fields, `repository ${r.status}`);
}

export interface RunSummary {
  status: JobStatus;
  summary: string;
  metrics: Record<string, number>;
}

/** OK when all succeeded, WARNING when some failed (or the listing did), CRITICAL when all failed. */
export function summarize(outcomes: readonly RepoOutcome[], ms: number, listingError: string | undefined): RunSummary {
  const count = (s: RepoOutcome["status"]): number => outcomes.filter((o) => o.status === s).length;
  const metrics = {
    total: outcomes.length,
    updated: count("updated"),
    unchanged: count("unchanged"),
    new: count("new"),
    failed: count("failed"),
    gone_upstream: count("gone upstream"),
    refs_saved: outcomes.reduce((n, o) => n + o.refsSaved, 0),
  };
  const tried = metrics.total - metrics.gone_upstream;
  const status: JobStatus =
    tried > 0 && metrics.failed === tried
      ? "critical"
      : metrics.failed > 0 || listingError !== undefined || outcomes.some((o) => o.warning !== undefined)
        ? "warning"
        : "ok";
  const summary =
    `${metrics.total} ${metrics.total === 1 ? "repository" : "repositories"}: ${metrics.updated} updated, ${metrics.unchanged} unchanged, ${metrics.new} new, ` +
    `${metrics.failed} failed, ${metrics.gone_upstream} gone upstream in ${(ms / 1000).toFixed(1)} s` +
    (listingError !== undefined ? `; listing failed: ${listingError}` : "");
  return { status, summary, metrics };
}
