import type { PromFamily } from "../prometheus-textfile.js";
import type { GuardName } from "./build-blocklist.js";
import type { RunRecord } from "./run-record.js";

/**
 * dns-blocklist's metric families. Labels stay bounded: `source` takes one value per
 * configured source (shown without secrets), `guard` one of three.
 */
export interface BlocklistMetrics {
  sources: readonly { shown: string; ok: boolean; entries: number | undefined; invalid: number | undefined }[];
  names: number | undefined;
  networks: number | undefined;
  added: number;
  removed: number;
  version: number;
  record: RunRecord;
  runEndSeconds: number;
}

export function blocklistFamilies(m: BlocklistMetrics): PromFamily[] {
  const one = (name: string, help: string, value: number | undefined): PromFamily => ({
    name: `chime_dns_blocklist_${name}`,
    help,
    samples: value === undefined ? [] : [[{}, value]],
  });
  const perSource = (name: string, help: string, pick: (s: BlocklistMetrics["sources"][number]) => number | undefined): PromFamily => ({
    name: `chime_dns_blocklist_source_${name}`,
    help,
    samples: m.sources.flatMap((s) => {
      const v = pick(s);
      return v === undefined ? [] : [[{ source: s.shown }, v] as const];
    }),
  });
  return [
    perSource("up", "1 when the source was read in the last run (0: its last good copy was used).", (s) => (s.ok ? 1 : 0)),
    perSource("entries", "Entries the source's copy in use contributed.", (s) => s.entries),
    perSource("invalid", "Entries of the source's copy in use that were not valid.", (s) => s.invalid),
    one("names", "Names blocked by the applied version.", m.names),
    one("networks", "Addresses and networks in the applied version.", m.networks),
    one("added", "Names the last applied change added.", m.added),
    one("removed", "Names the last applied change removed.", m.removed),
    one("applied_version", "The version unbound serves (0: none yet).", m.version),
    one("last_success_timestamp_seconds", "When a run last ended with the wanted list served.", m.record.lastSuccess),
    one("last_run_timestamp_seconds", "When the last run ended.", m.runEndSeconds),
    {
      name: "chime_dns_blocklist_guard_trips_total",
      help: "Results a guard refused to apply.",
      type: "counter",
      samples: (Object.entries(m.record.guardTrips) as [GuardName, number][]).map(([guard, n]) => [{ guard }, n]),
    },
  ];
}
