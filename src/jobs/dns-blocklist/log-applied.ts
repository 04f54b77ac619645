import type { JobContext } from "../job.js";
import type { ApplyOutcome } from "./apply-unbound.js";
import type { AppliedVersion, ListChanges } from "./applied-versions.js";

/** The one line an applied version (an update or a rollback) logs. */
export function logApplied(ctx: JobContext, v: AppliedVersion, changes: ListChanges, outcome: ApplyOutcome): void {
  ctx.log.info(
    {
      version: v.version,
      names: v.names,
      networks: v.networks,
      added: changes.added,
      removed: changes.removed,
      first_added: changes.firstAdded.join(","),
      first_removed: changes.firstRemoved.join(","),
      reload: outcome.how,
      check_ms: Math.round(outcome.checkMs ?? 0),
      reload_ms: Math.round(outcome.reloadMs ?? 0),
    },
    "blocklist applied",
  );
}
