import type { JobContext } from "../job.js";
import type { ApplyOutcome } from "./apply-unbound.js";
import type { AppliedVersion } from "./applied-versions.js";

/** How many added and removed names a run logs by name. */
const SHOWN_CHANGES = 5;

/** The one line an applied version (an update or a rollback) logs. */
export function logApplied(
  ctx: JobContext,
  v: AppliedVersion,
  changes: { added: readonly string[]; removed: readonly string[] },
  outcome: ApplyOutcome,
): void {
  ctx.log.info(
    {
      version: v.version,
      names: v.names,
      networks: v.networks,
      added: changes.added.length,
      removed: changes.removed.length,
      first_added: changes.added.slice(0, SHOWN_CHANGES).join(","),
      first_removed: changes.removed.slice(0, SHOWN_CHANGES).join(","),
      reload: outcome.how,
      check_ms: Math.round(outcome.checkMs ?? 0),
      reload_ms: Math.round(outcome.reloadMs ?? 0),
    },
    "blocklist applied",
  );
}
