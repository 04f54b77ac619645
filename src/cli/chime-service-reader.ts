import { readdir, readFile, stat } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { readRegularFile } from "../jobs/regular-file.js";
import { parseDurationMs } from "../time/duration-option.js";
import { parseChimeOptions } from "./chime-options.js";
import { Fatal } from "./die.js";

/**
 * What `chime check` needs to know about a service directory that runs chime, found the way
 * the service itself finds it: the run script's chime arguments, the env/ variables envdir
 * passes (only the few that name the state directory and the jobs: env/ also holds secrets,
 * which we never open), the --config file. Relative paths are relative to the service
 * directory, the cwd supervise gives `run`.
 */
export interface ChimeServiceSettings {
  dir: string;
  stateDir: string;
  /** the jobs the service runs now, by tag: records of any other tag are history (removed, renamed) */
  jobs: { tag: string; timeoutMs: number | undefined }[];
  graceMs: number;
}

export type ServiceReading = { ok: true; settings: ChimeServiceSettings } | { ok: false; dir: string; problem: string };

/** The env/ settings chime check reads (install-service --monitor-group opens these, no others). */
export const CHECK_READS_ENV = ["CHIME_STATE_DIR", "CHIME_CONFIG", "CHIME_NAME", "CHIME_WHEN", "CHIME_TIMEOUT", "CHIME_GRACE"] as const;

/** The chime program in a run script: chime, chime.js, chime.cjs, by any path. */
const CHIME_WORD = /(?:^|\/)chime(?:\.c?js)?$/;

/** POSIX sh words of one line, for what install-service writes (plain words, '…' quoting). */
export function shellSplit(line: string): string[] {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) throw new Error("unterminated quote");
      cur += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (c === '"') {
      const end = line.indexOf('"', i + 1);
      if (end === -1) throw new Error("unterminated quote");
      cur += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === " " || c === "\t") {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
    } else if (c === "#" && !inWord) break;
    else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** chime's arguments from a run script, or null when the script does not exec chime. */
export function chimeArgsOfRunScript(script: string): string[] | null {
  for (const raw of script.split("\n")) {
    const line = raw.trim();
    if (!line.startsWith("exec ") || line.startsWith("#")) continue;
    let words: string[];
    try {
      words = shellSplit(line);
    } catch {
      continue;
    }
    const at = words.findIndex((w) => CHIME_WORD.test(w));
    if (at !== -1) return words.slice(at + 1);
  }
  return null;
}

/** envdir's reading of one variable: the first line, trailing spaces and tabs removed. */
async function envdirValue(dir: string, name: string): Promise<string | undefined> {
  try {
    const text = await readFile(join(dir, "env", name), "utf8");
    const first = text
      .split("\n")[0]!
      .replace(/[ \t]+$/, "")
      .replaceAll("\0", "\n");
    return first === "" ? undefined : first;
  } catch {
    return undefined;
  }
}

/** Whether DIR's run script runs chime (null: not a chime service, or no run script). */
export async function chimeRunArgs(dir: string): Promise<string[] | null> {
  try {
    return chimeArgsOfRunScript(await readFile(join(dir, "run"), "utf8"));
  } catch {
    return null;
  }
}

/** Every chime service among ARGS: a service directory itself, or a scan directory holding some. */
export async function findChimeServices(args: readonly string[]): Promise<{ dir: string; runArgs: string[] }[]> {
  const found: { dir: string; runArgs: string[] }[] = [];
  for (const arg of args) {
    const own = await chimeRunArgs(arg);
    if (own) {
      found.push({ dir: arg, runArgs: own });
      continue;
    }
    // svscan looks at every entry not starting with a dot; symlinks to service dirs included
    const names = (await readdir(arg)).filter((n) => !n.startsWith(".")).sort();
    for (const name of names) {
      const dir = join(arg, name);
      const st = await stat(dir).catch(() => null);
      if (!st?.isDirectory()) continue;
      const runArgs = await chimeRunArgs(dir);
      if (runArgs) found.push({ dir, runArgs });
    }
  }
  return found;
}

const resolveIn = (dir: string, p: string) => (isAbsolute(p) ? p : join(dir, p));

export async function readChimeService(dir: string, runArgs: readonly string[]): Promise<ServiceReading> {
  const env: Record<string, string> = {};
  for (const name of CHECK_READS_ENV) {
    const v = await envdirValue(dir, name);
    if (v !== undefined) env[name] = v;
  }
  let opts;
  try {
    opts = parseChimeOptions(runArgs, env);
  } catch (e) {
    if (e instanceof Fatal) return { ok: false, dir, problem: `settings of the service: ${e.message}` };
    throw e;
  }
  const stateDir = resolveIn(dir, opts.stateDir.value);
  const graceMs = opts.graceMs.value;
  const defaultTimeout = opts.timeoutMs?.value;
  if (opts.config) {
    const path = resolveIn(dir, opts.config.value);
    const jobs = await configJobs(path, defaultTimeout);
    if (typeof jobs === "string") return { ok: false, dir, problem: jobs };
    return { ok: true, settings: { dir, stateDir, jobs, graceMs } };
  }
  const tag = opts.name?.value ?? opts.rest[0];
  if (tag === undefined) return { ok: false, dir, problem: "the run script names no job and no --config" };
  return { ok: true, settings: { dir, stateDir, jobs: [{ tag, timeoutMs: defaultTimeout }], graceMs } };
}

/**
 * The job names and timeouts of a --config file. Only these fields: the daemon validates the
 * rest when it loads the file (and says so in its log); a check must work as a user that
 * cannot build the jobs (their secrets are not readable to it).
 */
async function configJobs(
  path: string,
  defaultTimeout: number | undefined,
): Promise<{ tag: string; timeoutMs: number | undefined }[] | string> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readRegularFile(path, { followLinks: true }));
  } catch (e) {
    const why = e instanceof SyntaxError ? `not valid JSON: ${e.message}` : ((e as NodeJS.ErrnoException).code ?? String(e));
    return `unable to read config file ${path}: ${why}`;
  }
  const list = typeof doc === "object" && doc !== null ? (doc as Record<string, unknown>)["jobs"] : undefined;
  if (!Array.isArray(list)) return `config file ${path}: "jobs" must be an array`;
  const jobs: { tag: string; timeoutMs: number | undefined }[] = [];
  for (const [i, entry] of list.entries()) {
    const e = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
    const tag = e["name"] ?? e["job"];
    if (typeof tag !== "string" || tag === "") return `config file ${path}: jobs[${i}] has no name or job`;
    const t = e["timeout"];
    const timeoutMs = typeof t === "string" || typeof t === "number" ? (parseDurationMs(String(t)) ?? defaultTimeout) : defaultTimeout;
    jobs.push({ tag, timeoutMs });
  }
  return jobs;
}
