import { JobConfigError, type JobSpec } from "../job.js";

// Placeholder until the job lands; it fails like a configuration error, never silently.
export const ntpCheckSpec: JobSpec = {
  name: "ntp-check",
  usage: "ntp-check (not built yet)",
  help: "ntp-check: not built yet\n",
  create() {
    throw new JobConfigError("ntp-check: not built yet");
  },
};
