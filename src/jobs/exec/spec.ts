import { JobConfigError, type JobSpec } from "../job.js";

// Placeholder until the job lands; it fails like a configuration error, never silently.
export const execSpec: JobSpec = {
  name: "exec",
  usage: "exec (not built yet)",
  help: "exec: not built yet\n",
  create() {
    throw new JobConfigError("exec: not built yet");
  },
};
