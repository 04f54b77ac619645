import { join } from "node:path";
import type { Environment } from "../job.js";
import { pluginText } from "../plugin-text.js";
import { mirrorsOf } from "./backup-history.js";
import { runGit } from "./git-process.js";
import { gitIn, mirrorEnv } from "./saved-refs.js";
import { gitErrorLine } from "./git-error-line.js";

export interface MirrorVerdict {
  repo: string;
  fsckOk: boolean;
  savedTips: number;
  /** "REF OID12" of saved tips whose object (or commit) is missing */
  missing: string[];
  /** fsck's own error line, or why the mirror could not be checked */
  problem?: string;
}

// fsck reads every object: it gets far more time than a ref listing
const FSCK_LIMIT_MS = 60 * 60_000;

/**
 * One mirror: a full `git fsck` (a truncated pack or a missing tree passes a fetch and
 * `--connectivity-only` silently), and every saved tip's object and commit present. A saved ref
 * is reachable by being a ref; what can be lost is the object under it (a hand-run
 * `gc --prune=now` after a damaged save, a deleted pack).
 */
export async function verifyMirror(dir: string, repo: string, chimeEnv: Environment): Promise<MirrorVerdict> {
  const mirror = join(dir, repo);
  const env = mirrorEnv(mirror, chimeEnv);
  const fsck = await runGit(["fsck", "--full", "--no-progress", "--no-dangling"], { cwd: mirror, env, timeoutMs: FSCK_LIMIT_MS });
  const fsckOk = fsck.code === 0 && !/^(error|fatal|missing|broken link)/m.test(fsck.stderr + fsck.stdout);
  const verdict: MirrorVerdict = { repo, fsckOk, savedTips: 0, missing: [] };
  if (!fsckOk) verdict.problem = `fsck: ${gitErrorLine(fsck.stderr + "\n" + fsck.stdout)}`;
  try {
    // names and ids only: a listing that reads the objects fails on the first one missing,
    // and the point here is to name every missing one
    const list = await gitIn(mirror, ["for-each-ref", "--format=%(objectname) %(refname)", "refs/backup/"], "listing refs/backup", { env });
    const saved = list.stdout
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => ({ oid: l.slice(0, l.indexOf(" ")), ref: l.slice(l.indexOf(" ") + 1) }));
    verdict.savedTips = saved.length;
    if (saved.length > 0) {
      // each tip's own object, and the commit under it (a saved tag or a name record peels to one)
      const wanted = saved.flatMap((s) => [s.oid, `${s.oid}^{commit}`]);
      const r = await gitIn(mirror, ["cat-file", "--batch-check=%(objectname) %(objecttype)"], "cat-file", {
        env,
        input: wanted.map((w) => `${w}\n`).join(""),
      });
      const lines = r.stdout.split("\n");
      saved.forEach((s, i) => {
        if (!/ commit$/.test(lines[2 * i + 1] ?? "")) verdict.missing.push(`${s.ref} ${s.oid.slice(0, 12)}`);
      });
    }
  } catch (e) {
    verdict.problem ??= (e as Error).message;
    verdict.fsckOk = false;
  }
  return verdict;
}

export interface Verification {
  exitCode: 0 | 1 | 2 | 3;
  /** the plugin output: the status line, then long output (one line per mirror in trouble) */
  lines: string[];
}

/**
 * Nagios: CRITICAL when any mirror fails fsck or lost a saved tip's object, WARNING when DIR
 * holds no mirror at all (a wrong path or an unmounted disk looks like that), UNKNOWN when DIR
 * cannot be read. Perfdata counts mirrors, saved tips, missing tips and failed fscks.
 */
export async function verifyDir(dir: string, env: Environment): Promise<Verification> {
  let repos: string[];
  try {
    repos = await mirrorsOf(dir);
  } catch (e) {
    return {
      exitCode: 3,
      lines: [`GIT-BACKUP UNKNOWN: cannot read ${pluginText(dir)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`],
    };
  }
  const verdicts: MirrorVerdict[] = [];
  for (const repo of repos) verdicts.push(await verifyMirror(dir, repo, env));
  const bad = verdicts.filter((v) => !v.fsckOk || v.missing.length > 0);
  const tips = verdicts.reduce((n, v) => n + v.savedTips, 0);
  const missing = verdicts.reduce((n, v) => n + v.missing.length, 0);
  const fsckFailed = verdicts.filter((v) => !v.fsckOk).length;
  const perf = `mirrors=${verdicts.length};;;0 saved_tips=${tips};;;0 missing_tips=${missing};;1;0 fsck_failed=${fsckFailed};;1;0`;
  let status: string;
  let exitCode: 0 | 1 | 2;
  if (bad.length > 0) {
    exitCode = 2;
    status = `GIT-BACKUP CRITICAL: ${bad.length} of ${verdicts.length} mirrors damaged: ${bad.map((v) => v.repo).join(", ")}`;
  } else if (verdicts.length === 0) {
    exitCode = 1;
    status = `GIT-BACKUP WARNING: no mirrors (*.git) in ${dir}`;
  } else {
    exitCode = 0;
    status = `GIT-BACKUP OK: ${verdicts.length} mirrors pass fsck, ${tips} saved tips present`;
  }
  const long = bad.map(
    (v) =>
      `${v.repo}: ${[v.problem, v.missing.length > 0 ? `missing saved tips: ${v.missing.join(", ")}` : undefined].filter(Boolean).join("; ")}`,
  );
  return { exitCode, lines: [`${pluginText(status)} | ${perf}`, ...long.map(pluginText)] };
}
