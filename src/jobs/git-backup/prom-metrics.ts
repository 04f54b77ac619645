import type { RepoOutcome, RepoStatus } from "./update-mirror.js";

function label(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Prometheus text format (node_exporter's textfile collector reads it). */
export function renderMetrics(
  outcomes: readonly RepoOutcome[],
  lastSuccess: Readonly<Record<string, { lastSuccess?: number }>>,
  runEndSeconds: number,
  durationSeconds: number,
  listingFailed: boolean,
  /** false when DIR could not be read (an unmounted disk): said, with the last successes kept */
  dirUsable = true,
): string {
  const counts: Record<RepoStatus, number> = { new: 0, updated: 0, unchanged: 0, failed: 0, "gone upstream": 0 };
  for (const o of outcomes) counts[o.status]++;
  const lines = [
    "# HELP chime_git_backup_repositories Mirrors by result of the last run.",
    "# TYPE chime_git_backup_repositories gauge",
    ...Object.entries(counts).map(([k, v]) => `chime_git_backup_repositories{result="${k.replace(" ", "_")}"} ${v}`),
    "# HELP chime_git_backup_last_run_timestamp_seconds When the last run ended.",
    "# TYPE chime_git_backup_last_run_timestamp_seconds gauge",
    `chime_git_backup_last_run_timestamp_seconds ${runEndSeconds}`,
    "# HELP chime_git_backup_run_duration_seconds How long the last run took.",
    "# TYPE chime_git_backup_run_duration_seconds gauge",
    `chime_git_backup_run_duration_seconds ${durationSeconds.toFixed(3)}`,
    "# HELP chime_git_backup_listing_failed 1 when the GitHub listing failed in the last run.",
    "# TYPE chime_git_backup_listing_failed gauge",
    `chime_git_backup_listing_failed ${listingFailed ? 1 : 0}`,
    "# HELP chime_git_backup_dir_usable 0 when DIR could not be read in the last run (nothing was updated).",
    "# TYPE chime_git_backup_dir_usable gauge",
    `chime_git_backup_dir_usable ${dirUsable ? 1 : 0}`,
    "# HELP chime_git_backup_refs_saved Old ref values saved under refs/backup in the last run.",
    "# TYPE chime_git_backup_refs_saved gauge",
    `chime_git_backup_refs_saved ${outcomes.reduce((n, o) => n + o.refsSaved, 0)}`,
    "# HELP chime_git_backup_last_success_timestamp_seconds Last successful update of each mirror.",
    "# TYPE chime_git_backup_last_success_timestamp_seconds gauge",
  ];
  for (const repo of dirUsable ? outcomes.map((o) => o.repo) : Object.keys(lastSuccess)) {
    const t = lastSuccess[repo]?.lastSuccess;
    if (t !== undefined) lines.push(`chime_git_backup_last_success_timestamp_seconds{repo="${label(repo)}"} ${t}`);
  }
  return `${lines.join("\n")}\n`;
}
