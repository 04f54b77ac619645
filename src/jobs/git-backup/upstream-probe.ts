import { gitEnvironment } from "./git-environment.js";
import { runGit } from "./git-process.js";
import { inSlot } from "../bounded-pool.js";
import type { UpdateSettings } from "./update-mirror.js";

/**
 * Whether `url` serves a repository with at least one ref, asked with `git ls-remote` before a
 * wiki mirror is made: forges report a wiki as enabled before its first page exists, and then
 * answer "not found". No ref, or no answer, is "not there (yet)": asked again next run.
 */
export async function existsUpstream(dir: string, url: string, s: UpdateSettings): Promise<boolean> {
  const env = gitEnvironment(
    s.env,
    undefined,
    s.credentials.filter((c) => url.startsWith(c.urlPrefix)),
  );
  // The URL is validated (plain http(s)) and comes after "--": never an option.
  const r = await inSlot(s.network, () =>
    runGit(["-c", "http.lowSpeedLimit=1000", "-c", "http.lowSpeedTime=60", "-c", "core.askPass=", "ls-remote", "--", url], {
      ...s.git,
      cwd: dir,
      env,
      timeoutMs: Math.min(s.policy.timeoutMs, 120_000),
      signal: s.signal,
    }),
  );
  return r.code === 0 && r.stdout.trim() !== "";
}
