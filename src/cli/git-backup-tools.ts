import { JobConfigError, type Environment } from "../jobs/job.js";
import { redactText } from "../log/redact.js";
import type { OptionSpec } from "../options/option-spec.js";
import { readOptions, type Options } from "../options/read-options.js";
import { BadInput, mirrorHistory, mirrorName, mirrorsOf, historyLine, type HistoryEntry } from "../jobs/git-backup/backup-history.js";
import { restoreSaved } from "../jobs/git-backup/restore-saved.js";
import { pluginText } from "../jobs/plugin-text.js";
import { verifyDir } from "../jobs/git-backup/verify-mirrors.js";
import { die, EXIT_SYSTEM, EXIT_USAGE, Fatal } from "./die.js";

export const GIT_BACKUP_TOOLS_USAGE = `usage: chime git-backup history DIR [REPO] [--json]
       chime git-backup restore DIR REPO REF [--at STAMP] [--branch NAME] (--to PATH [--bare] | --push URL)
       chime git-backup verify DIR
A mirror directory named history, restore or verify is run by the job as ./history.
`;

const TOOLS = new Set(["history", "restore", "verify"]);

/**
 * `chime git-backup history|restore|verify …`: the subcommand word wins only when arguments
 * follow it, so `chime git-backup history` alone still runs the job on a DIR named "history"
 * (and `chime git-backup ./history …` always does).
 */
export function isGitBackupTool(args: readonly string[]): boolean {
  return args.length >= 2 && TOOLS.has(args[0]!);
}

function usage(message: string): never {
  die(EXIT_USAGE, `git-backup: ${message}\n${GIT_BACKUP_TOOLS_USAGE.trimEnd()}`);
}

const HELP_OPTION: OptionSpec = { name: "help", kind: "switch", short: "h", help: "this text" };
const HISTORY_OPTIONS: readonly OptionSpec[] = [{ name: "json", kind: "switch", help: "one JSON document" }, HELP_OPTION];
const RESTORE_OPTIONS: readonly OptionSpec[] = [
  { name: "at", kind: "text", value: "STAMP", help: "the saved value of this time" },
  { name: "branch", kind: "text", value: "NAME", help: "the branch to create" },
  { name: "to", kind: "text", value: "PATH", help: "a new repository" },
  { name: "bare", kind: "switch", help: "a bare one" },
  { name: "push", kind: "text", value: "URL", help: "push there instead" },
  HELP_OPTION,
];
const VERIFY_OPTIONS: readonly OptionSpec[] = [HELP_OPTION];

function parse(args: readonly string[], options: readonly OptionSpec[]): Options {
  try {
    return readOptions("git-backup", options, { args });
  } catch (err) {
    if (err instanceof JobConfigError) return usage(err.message.slice("git-backup: ".length));
    throw err;
  }
}

async function dirMirrors(dir: string): Promise<string[]> {
  try {
    return await mirrorsOf(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new BadInput(`DIR ${JSON.stringify(dir)}: not a directory`);
    throw new Error(`cannot read DIR ${dir}: ${code ?? (e as Error).message}`);
  }
}

async function history(args: readonly string[], env: Environment, out: (line: string) => void): Promise<number> {
  const p = parse(args, HISTORY_OPTIONS);
  if (p.switch("help")) return help(out);
  const [dir, repo, extra] = p.positionals;
  if (dir === undefined || extra !== undefined) usage(extra === undefined ? "missing DIR" : `unexpected argument ${JSON.stringify(extra)}`);
  const all = await dirMirrors(dir);
  let repos = all;
  if (repo !== undefined) {
    const name = mirrorName(repo);
    if (!all.includes(name)) throw new BadInput(`no mirror ${name} in ${dir} (REPO ${JSON.stringify(repo)})`);
    repos = [name];
  }
  const entries: HistoryEntry[] = [];
  for (const name of repos) entries.push(...(await mirrorHistory(dir, name, env)));
  if (p.switch("json")) {
    out(JSON.stringify(entries));
    return 0;
  }
  for (const name of repos) {
    const mine = entries.filter((e) => e.repo === name);
    const saved = mine.filter((e) => e.event !== "gone upstream").length;
    const gone = saved < mine.length ? ", gone upstream" : "";
    out(`${name}: ${saved === 0 ? "nothing saved" : `${saved} saved`}${gone}`);
    for (const e of mine) out(`  ${historyLine(e)}`);
  }
  return 0;
}

async function restore(args: readonly string[], env: Environment, out: (line: string) => void): Promise<number> {
  const p = parse(args, RESTORE_OPTIONS);
  if (p.switch("help")) return help(out);
  const [dir, repo, ref, extra] = p.positionals;
  if (ref === undefined) usage("missing DIR, REPO or REF");
  if (extra !== undefined) usage(`unexpected argument ${JSON.stringify(extra)}`);
  const [to, push, at, branch] = [p.text("to"), p.text("push"), p.text("at"), p.text("branch")];
  if ((to === undefined) === (push === undefined)) usage("exactly one of --to PATH and --push URL");
  if (p.switch("bare") && push !== undefined) usage("--bare goes with --to, not --push");
  const r = await restoreSaved(
    {
      dir: dir!,
      repo: repo!,
      ref,
      ...(at === undefined ? {} : { at }),
      ...(branch === undefined ? {} : { branch }),
      ...(to === undefined ? {} : { to, bare: p.switch("bare") }),
      ...(push === undefined ? {} : { push }),
    },
    env,
  );
  out(
    `restored ${r.saved.ref} as saved at ${r.saved.time} (${r.saved.backupRef}, ${r.saved.commit}) to ${redactText(r.target)} as branch ${r.branch}`,
  );
  return 0;
}

async function verify(args: readonly string[], env: Environment, out: (line: string) => void): Promise<number> {
  const p = parse(args, VERIFY_OPTIONS);
  if (p.switch("help")) return help(out);
  const [dir, extra] = p.positionals;
  if (dir === undefined || extra !== undefined) {
    out(`GIT-BACKUP UNKNOWN: usage: chime git-backup verify DIR`);
    return 3;
  }
  const v = await verifyDir(dir, env);
  for (const line of v.lines) out(line);
  return v.exitCode;
}

function help(out: (line: string) => void): number {
  for (const line of GIT_BACKUP_TOOLS_USAGE.trimEnd().split("\n")) out(line);
  return 0;
}

/** Bad input → 100 naming the value; git or the system failing → 111 (verify: Nagios codes). */
export async function runGitBackupTool(args: readonly string[], env: Environment, out: (line: string) => void): Promise<number> {
  const [tool, ...rest] = args;
  try {
    if (tool === "history") return await history(rest, env, out);
    if (tool === "restore") return await restore(rest, env, out);
    return await verify(rest, env, out);
  } catch (e) {
    if (e instanceof Fatal) throw e;
    if (e instanceof BadInput) die(EXIT_USAGE, `git-backup ${tool}: ${e.message}`);
    const message = e instanceof Error ? e.message : String(e);
    if (tool === "verify") {
      // a monitoring system reads stdout and the exit code: UNKNOWN, never a stack trace
      out(`GIT-BACKUP UNKNOWN: ${pluginText(message)}`);
      return 3;
    }
    die(EXIT_SYSTEM, `git-backup ${tool}: ${message}`);
  }
}
