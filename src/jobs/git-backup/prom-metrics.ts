import { renderPrometheusText, type PromFamily } from "../prometheus-textfile.js";
import type { RepoOutcome, RepoStatus } from "./update-mirror.js";

/** git-backup's metric families (node_exporter's textfile collector reads them). */
export function gitBackupFamilies(
  outcomes: readonly RepoOutcome[],
  lastSuccess: Readonly<Record<string, { lastSuccess?: number }>>,
  runEndSeconds: number,
  durationSeconds: number,
  listingFailed: boolean,
  /** false when DIR could not be read (an unmounted disk): said, with the last successes kept */
  dirUsable = true,
): PromFamily[] {
  const counts: Record<RepoStatus, number> = { new: 0, updated: 0, unchanged: 0, failed: 0, "gone upstream": 0 };
  for (const o of outcomes) counts[o.status]++;
  const one = (name: string, help: string, value: number): PromFamily => ({
    name: `chime_git_backup_${name}`,
    help,
    samples: [[{}, value]],
  });
  const successes: [Record<string, string>, number][] = [];
  for (const repo of dirUsable ? outcomes.map((o) => o.repo) : Object.keys(lastSuccess)) {
    const t = lastSuccess[repo]?.lastSuccess;
    if (t !== undefined) successes.push([{ repo }, t]);
  }
  return [
    {
      name: "chime_git_backup_repositories",
      help: "Mirrors by result of the last run.",
      samples: Object.entries(counts).map(([k, v]) => [{ result: k.replace(" ", "_") }, v]),
    },
    one("last_run_timestamp_seconds", "When the last run ended.", runEndSeconds),
    one("run_duration_seconds", "How long the last run took.", Math.round(durationSeconds * 1000) / 1000),
    one("listing_failed", "1 when the GitHub listing failed in the last run.", listingFailed ? 1 : 0),
    one("dir_usable", "0 when DIR could not be read in the last run (nothing was updated).", dirUsable ? 1 : 0),
    one(
      "refs_saved",
      "Old ref values saved under refs/backup in the last run.",
      outcomes.reduce((n, o) => n + o.refsSaved, 0),
    ),
    { name: "chime_git_backup_last_success_timestamp_seconds", help: "Last successful update of each mirror.", samples: successes },
  ];
}

/** The same as Prometheus text, for tests and for anyone who wants the text itself. */
export function renderMetrics(...args: Parameters<typeof gitBackupFamilies>): string {
  return renderPrometheusText(gitBackupFamilies(...args));
}
