import type { JobStatus } from "../job.js";
import type { SourceCount } from "./build-blocklist.js";
import type { FetchedSource } from "./fetch-sources.js";
import type { PluginFacts } from "./plugin-output.js";

/** What an update or a rollback ends with: the plugin output, the run record's and the metrics' facts. */
export interface RunEnding {
  status: JobStatus;
  text: string;
  facts: PluginFacts;
  details: string[];
  /** the wanted list is served (a success for the last-success metric) */
  served: boolean;
  version: number;
  sources: FetchedSource[];
  counts: readonly SourceCount[];
}
