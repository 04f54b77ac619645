/**
 * The three supervisors install-service writes for, each in its own idiom: which programs
 * read env/ and drop privileges in `run`, which logger `log/run` starts and how it stamps,
 * and how an operator starts a service that waits. Detection looks for each one's scanner
 * on PATH.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { onPath } from "./find-program.js";
import { shellWords } from "./run-script-template.js";

export type SupervisorName = "daemontools" | "runit" | "s6";

export interface Supervisor {
  readonly name: SupervisorName;
  /** the Debian/FreeBSD package that ships its programs */
  readonly pkg: string;
  /** the program that scans a service directory: what "installed" means */
  readonly scanner: string;
  /** run's words before node: read ./env, then (as root) become `user` */
  envAndUser(user: string | null): string;
  /** log/run's words before the logger: become `user` (as root) */
  logUser(user: string | null): string;
  /** the log/run template of this installation, relative to its root */
  readonly logRunTemplate: string;
  /** files written into log/main/ (svlogd reads its settings there) */
  readonly logDirFiles: Readonly<Record<string, string>>;
  /** env/ settings the logger needs from chime (who stamps the lines) */
  readonly env: Readonly<Record<string, string>>;
  /** the programs the scripts call, for the check before writing */
  programs(asRoot: boolean): readonly string[];
  /** how to start a service installed with --down, and how the scanner finds a new one */
  readonly upCommand: string;
  readonly scanNote: string;
}

// Shared by runit and s6: their loggers stamp (svlogd -tt, s6-log t), so chime does not.
// daemontools keeps chime's own labels: multilog runs without t (DESIGN.md §4).
const LOGGER_STAMPS = { CHIME_LOG_STAMP: "none" } as const;

const SUPERVISORS: Readonly<Record<SupervisorName, Supervisor>> = {
  daemontools: {
    name: "daemontools",
    pkg: "daemontools",
    scanner: "svscan",
    envAndUser: (user) => shellWords(["envdir", "./env", ...(user === null ? [] : ["setuidgid", user])]),
    logUser: (user) => (user === null ? "" : shellWords(["setuidgid", user])),
    logRunTemplate: join("log", "run"),
    logDirFiles: {},
    env: {},
    programs: (asRoot) => ["envdir", ...(asRoot ? ["setuidgid"] : []), "multilog"],
    upCommand: "svc -u",
    scanNote: "svscan starts it at its next scan (within 5 s) if it watches this directory",
  },
  runit: {
    name: "runit",
    pkg: "runit",
    scanner: "runsvdir",
    // one chpst: -e reads env/ before -u drops privileges (so env/ may stay root-only)
    envAndUser: (user) => shellWords(["chpst", "-e", "./env", ...(user === null ? [] : ["-u", user])]),
    logUser: (user) => (user === null ? "" : shellWords(["chpst", "-u", user])),
    logRunTemplate: join("log", "run-runit"),
    // svlogd reads its rotation settings from the log directory: ~1 MB per file, 20 files
    logDirFiles: { config: "s1000000\nn20\n" },
    env: LOGGER_STAMPS,
    programs: () => ["chpst", "svlogd"],
    upCommand: "sv up",
    scanNote: "runsvdir starts it at its next scan (within 5 s) if it watches this directory",
  },
  s6: {
    name: "s6",
    pkg: "s6",
    scanner: "s6-svscan",
    envAndUser: (user) => shellWords(["s6-envdir", "./env", ...(user === null ? [] : ["s6-setuidgid", user])]),
    logUser: (user) => (user === null ? "" : shellWords(["s6-setuidgid", user])),
    logRunTemplate: join("log", "run-s6"),
    logDirFiles: {},
    env: LOGGER_STAMPS,
    programs: (asRoot) => ["s6-envdir", ...(asRoot ? ["s6-setuidgid"] : []), "s6-log"],
    upCommand: "s6-svc -u",
    // s6-svscan scans only at start and when told (no periodic scan by default)
    scanNote: "s6-svscan starts it after s6-svscanctl -a on its scan directory",
  },
};

export const SUPERVISOR_NAMES = Object.keys(SUPERVISORS) as SupervisorName[];

export function supervisorNamed(name: string): Supervisor | undefined {
  return Object.hasOwn(SUPERVISORS, name) ? SUPERVISORS[name as SupervisorName] : undefined;
}

export type Detection = { readonly supervisor: Supervisor; readonly why: string } | { readonly supervisor: null; readonly why: string };

/**
 * Which supervisor to write for when --supervisor is not given: the one whose scanner is on
 * PATH; with several, the one whose marks the scan directory carries (s6-svscan's
 * `.s6-svscan/`, runsv's `supervise/stat` in a service), else daemontools, the historic
 * default; with none, null and what to install.
 */
export function detectSupervisor(scanDir: string, existing: readonly string[], path: string): Detection {
  const installed = SUPERVISOR_NAMES.filter((n) => onPath(SUPERVISORS[n].scanner, path)).map((n) => SUPERVISORS[n]);
  if (installed.length === 0) {
    return {
      supervisor: null,
      why: `no supervisor found on PATH (${SUPERVISOR_NAMES.map((n) => SUPERVISORS[n].scanner).join(", ")}): install one (apt-get install daemontools, runit or s6) or name it with --supervisor`,
    };
  }
  if (installed.length === 1) return { supervisor: installed[0]!, why: `${installed[0]!.scanner} is the only supervisor on PATH` };
  const names = installed.map((s) => s.name).join(", ");
  const s6 = installed.find((s) => s.name === "s6");
  if (s6 && existsSync(join(scanDir, ".s6-svscan"))) return { supervisor: s6, why: `${scanDir} is watched by s6-svscan (.s6-svscan/)` };
  const runit = installed.find((s) => s.name === "runit");
  if (runit && existing.some((service) => existsSync(join(scanDir, service, "supervise", "stat")))) {
    return { supervisor: runit, why: `${scanDir} holds services run by runsv (supervise/stat)` };
  }
  const chosen = installed[0]!;
  return { supervisor: chosen, why: `several supervisors on PATH (${names}); chose ${chosen.name}, name another with --supervisor` };
}

/** The programs `supervisor`'s scripts call that are not on PATH. */
export function missingPrograms(supervisor: Supervisor, asRoot: boolean, path: string): string[] {
  return supervisor.programs(asRoot).filter((p) => !onPath(p, path));
}
