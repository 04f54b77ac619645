import { execFileSync } from "node:child_process";
import { ConfigError } from "./build-job.js";

export function runningAsRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

export interface UserIds {
  uid: number;
  gid: number;
  groups: number[];
}

/**
 * The ids of a user as the system's name service sees them. Node has no getpwnam, and we
 * never parse /etc/passwd ourselves (NIS/LDAP) nor read /proc (FreeBSD jails have none), so
 * ask id(1), which exists on every POSIX system, without a shell.
 */
export function lookupUser(user: string, where: string): UserIds {
  const id = (flag: string) => {
    try {
      return execFileSync("id", [flag, "--", user], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      throw new ConfigError(`bad value ${JSON.stringify(user)} for ${where}: no such user`);
    }
  };
  const num = (s: string) => {
    if (!/^\d+$/.test(s)) throw new ConfigError(`bad value ${JSON.stringify(user)} for ${where}: id(1) printed ${JSON.stringify(s)}`);
    return Number(s);
  };
  return { uid: num(id("-u")), gid: num(id("-g")), groups: id("-G").split(/\s+/).filter(Boolean).map(num) };
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
