import { simpleGit, type SimpleGit } from "simple-git";
import type { Environment } from "../job.js";

/**
 * simple-git for the local reads that print something (config, refs): it runs them without a
 * shell and parses nothing we do not ask for. Network commands and silent writes go through
 * runGit instead (process groups; simple-git adds a 50 ms wait to any command that prints
 * nothing). Its environment is built from scratch, so only what we list reaches git.
 */
export function mirrorReader(mirror: string, env: Environment): SimpleGit {
  const gitEnv: Record<string, string> = {
    PATH: env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: env.HOME ?? "/",
    LC_ALL: "C",
    GIT_DIR: mirror,
    GIT_TERMINAL_PROMPT: "0",
  };
  return simpleGit({
    baseDir: mirror,
    maxConcurrentProcesses: 1,
    allowEnvironment: ["GIT_DIR", "GIT_TERMINAL_PROMPT"],
  }).env(gitEnv);
}
