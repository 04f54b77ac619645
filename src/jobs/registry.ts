import type { JobSpec } from "./job.js";

/**
 * Every built-in job, loaded lazily: `chime next` and the rw-* tools must not pay for a job's
 * modules (git-backup's, dgram) at start-up.
 */
export const jobLoaders: Readonly<Record<string, () => Promise<JobSpec>>> = {
  "git-backup": async () => (await import("./git-backup/spec.js")).gitBackupSpec,
  "ntp-check": async () => (await import("./ntp-check/spec.js")).ntpCheckSpec,
  exec: async () => (await import("./exec/spec.js")).execSpec,
  "dns-blocklist": async () => (await import("./dns-blocklist/spec.js")).dnsBlocklistSpec,
  "asn-db": async () => (await import("./asn-db/spec.js")).asnDbSpec,
};

export function isJobName(name: string): boolean {
  return Object.hasOwn(jobLoaders, name);
}
