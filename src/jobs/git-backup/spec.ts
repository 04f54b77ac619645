import { JobConfigError, type JobSpec } from "../job.js";

// Placeholder until the job lands; it fails like a configuration error, never silently.
export const gitBackupSpec: JobSpec = {
  name: "git-backup",
  usage: "git-backup (not built yet)",
  help: "git-backup: not built yet\n",
  create() {
    throw new JobConfigError("git-backup: not built yet");
  },
};
