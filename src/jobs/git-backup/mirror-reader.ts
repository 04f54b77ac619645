import { readdirSync } from "node:fs";
import { readRegularFileSync } from "../regular-file.js";
import { join } from "node:path";
import type { Environment } from "../job.js";
import { runGit, type GitScope } from "./git-process.js";
import { gitErrorLine } from "./git-error-line.js";

/** a local read in one repository: seconds at most; a git stuck longer is stopped */
const READ_LIMIT_MS = 60_000;

/**
 * The environment of the local reads (config, refs): built from scratch, so only what we list
 * reaches git; GIT_DIR pins it to the mirror.
 */
function readEnvironment(env: Environment, mirror: string): NodeJS.ProcessEnv {
  return {
    PATH: env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: env.HOME ?? "/",
    LC_ALL: "C",
    GIT_DIR: mirror,
    GIT_TERMINAL_PROMPT: "0",
  };
}

export class MirrorReadError extends Error {
  override readonly name = "MirrorReadError";
  constructor(
    message: string,
    /** git itself could not be started (not on PATH, not executable): not the mirror's fault */
    readonly cannotRun: boolean,
  ) {
    super(message);
  }
}

/**
 * What a local read of `mirror` prints (`config --get-regexp`, `for-each-ref`), through the one
 * process runner like every git we start. A read that finds nothing (exit 1, silent: `config`
 * with no matching key) is an empty answer; any other failure throws MirrorReadError with the
 * line of git's stderr that says why. No abort signal: a read is local and bounded, and the
 * reads after an aborted fetch are what keeps the history the fetch may have moved.
 */
export async function readMirror(mirror: string, env: Environment, args: readonly string[], scope: GitScope): Promise<string> {
  const r = await runGit(args, { ...scope, cwd: mirror, env: readEnvironment(env, mirror), timeoutMs: READ_LIMIT_MS });
  if (r.spawnError !== undefined) throw new MirrorReadError(r.stderr, true);
  if (r.code === 0 || (r.code === 1 && r.stderr.trim() === "")) return r.stdout;
  throw new MirrorReadError(r.timedOut ? `git ${args[0]} did not finish within ${READ_LIMIT_MS / 1000} s` : gitErrorLine(r.stderr), false);
}

// One section header: [name] or [name "subsection"] with no escapes in it.
const SECTION = /^\[([A-Za-z0-9.-]+)(?:\s+"([^"\\]*)")?\]$/;
const ENTRY = /^([A-Za-z][A-Za-z0-9-]*)\s*=\s*(.*)$/;

/**
 * The mirror's own `config` file, read by us, in the form `git config --local --get-regexp`
 * prints (`section[.subsection].name value`, section and name lower-cased, raw values), or
 * undefined when git must read it: a file with anything beyond the plainest syntax (quotes,
 * backslashes, continuation lines, valueless keys, includes) or a directory that does not look
 * like a repository to git (HEAD, objects/ and refs/). Saves one git per mirror and run: on a
 * busy host starting a process is most of what an up-to-date mirror costs us beside its fetch.
 */
export function plainLocalConfig(mirror: string): string | undefined {
  let text: string;
  try {
    // one readdir answers all four questions (synchronous: update-mirror.ts says why)
    const kinds = new Map(readdirSync(mirror, { withFileTypes: true }).map((e) => [e.name, e]));
    const is = (name: string, dir: boolean): boolean => (dir ? kinds.get(name)?.isDirectory() : kinds.get(name)?.isFile()) === true;
    if (!is("HEAD", false) || !is("objects", true) || !is("refs", true) || !is("config", false)) return undefined;
    text = readRegularFileSync(join(mirror, "config"));
  } catch {
    return undefined;
  }
  if (text.length > 64 * 1024) return undefined;
  if (/[\r\0]/.test(text)) return undefined;
  const out: string[] = [];
  let section: string | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/[#;].*$/, "").trim();
    if (line === "") continue;
    const s = SECTION.exec(line);
    if (s) {
      const name = s[1]!.toLowerCase();
      if (name === "include" || name === "includeif" || name.includes(".")) return undefined;
      section = s[2] === undefined ? name : `${name}.${s[2]}`;
      continue;
    }
    const e = ENTRY.exec(line);
    // quotes and backslashes change what a value means (and where a comment starts): git's job
    if (!e || section === undefined || /["\\]/.test(raw)) return undefined;
    out.push(`${section}.${e[1]!.toLowerCase()} ${e[2]!}`);
  }
  return out.join("\n") + (out.length > 0 ? "\n" : "");
}

/**
 * `config --local --get-regexp PATTERN` of the mirror: from the file when it is plain (see
 * plainLocalConfig), else from git. Only the entries whose key matches `pattern`.
 */
export async function readMirrorConfig(mirror: string, env: Environment, pattern: string, scope: GitScope): Promise<string> {
  const plain = plainLocalConfig(mirror);
  if (plain === undefined) return readMirror(mirror, env, ["config", "--local", "--get-regexp", pattern], scope);
  const re = new RegExp(pattern);
  return plain
    .split("\n")
    .filter((l) => l !== "" && re.test(l.slice(0, l.indexOf(" "))))
    .map((l) => `${l}\n`)
    .join("");
}
