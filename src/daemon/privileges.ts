import { runProcessSync } from "../jobs/process-runner.js";
import { badValue } from "../options/bad-value.js";
import { ConfigError } from "./build-job.js";

export function runningAsRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** An account as the system's name service sees it: what setuidgid, setgroups and chown need. */
export interface UserIds {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly groups: readonly number[];
}

// Login names as useradd/pw accept them; anything else is refused before it reaches id's argv.
const PLAIN_USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/;

export function isPlainUserName(name: string): boolean {
  return name.length <= 64 && PLAIN_USER.test(name);
}

// A lookup through LDAP or NIS that hangs would hang the service's start for ever (every wait
// has a deadline); a local or cached answer takes milliseconds.
const ID_TIMEOUT_MS = 10_000;

/**
 * The one user lookup of chime (the daemon's --user, install-service's --user/--log-user), here
 * because the daemon is the lowest layer that switches users. Node has no getpwnam; we never
 * parse /etc/passwd ourselves (NIS/LDAP/sssd accounts are not in it) nor read /proc (FreeBSD
 * jails have none). id(1) asks the name service as setuidgid will, is in POSIX (getent is not:
 * macOS lacks it), and also gives the supplementary groups --user must set. Run without a shell.
 * Null when there is no such user (or the name is not plain: it never reaches argv).
 */
export function findUser(name: string): UserIds | null {
  if (!isPlainUserName(name)) return null;
  const id = (flag: string): string | null => {
    const r = runProcessSync({ argv: ["id", flag, "--", name], timeoutMs: ID_TIMEOUT_MS });
    // id could not be started (not on PATH), or the name service did not answer: that says
    // nothing about the user, so say so
    if (r.spawnError === "ETIMEDOUT")
      throw new Error(
        `id(1) did not answer within ${ID_TIMEOUT_MS / 1000} s looking up user ${JSON.stringify(name)} (a name service that hangs?)`,
      );
    if (r.spawnError !== undefined) throw new Error(`cannot run id(1) to look the user up: ${r.spawnError}`);
    if (r.code !== 0) return null; // id ran and said no such user
    return r.stdout.trim();
  };
  const num = (s: string) => {
    if (!/^\d+$/.test(s)) throw new Error(`id(1) printed ${JSON.stringify(s)} for user ${JSON.stringify(name)}`);
    return Number(s);
  };
  const [uid, gid, groups] = [id("-u"), id("-g"), id("-G")];
  if (uid === null || gid === null || groups === null) return null;
  return { name, uid: num(uid), gid: num(gid), groups: groups.split(/\s+/).filter(Boolean).map(num) };
}

/** findUser for a setting: a ConfigError naming the value and its source when there is none. */
export function lookupUser(user: string, where: string): UserIds {
  const bad = (why: string) => new ConfigError(badValue(where, why, user));
  if (!isPlainUserName(user)) throw bad("not a plain user name");
  let ids: UserIds | null;
  try {
    ids = findUser(user);
  } catch (e) {
    throw bad((e as Error).message);
  }
  if (!ids) throw bad("no such user");
  return ids;
}

/**
 * --user NAME: become NAME before any job runs, the way setuidgid does it: supplementary
 * groups first (setgroups), then the group, then the user — after setuid we could not.
 */
export function dropPrivileges(ids: UserIds): void {
  if (process.getuid?.() === ids.uid && process.getgid?.() === ids.gid) return;
  const groups = ids.groups.includes(ids.gid) ? ids.groups : [ids.gid, ...ids.groups];
  process.setgroups!(groups);
  process.setgid!(ids.gid);
  process.setuid!(ids.uid);
  if (process.getuid!() !== ids.uid || process.geteuid!() !== ids.uid || process.getegid!() !== ids.gid) {
    throw new Error(`user switch did not take effect (uid ${process.getuid!()}, gid ${process.getgid!()})`);
  }
}
