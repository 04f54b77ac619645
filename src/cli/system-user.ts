import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";

/** An account from the password database: what setuidgid and chown need. */
export interface SystemUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

// Login names as useradd/pw accept them; anything else is refused before it reaches
// getent's argv, so a name can never be read as an option.
const PLAIN_USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/;

export function isPlainUserName(name: string): boolean {
  return name.length <= 64 && PLAIN_USER.test(name);
}

/** "name:x:uid:gid:…" → SystemUser, or null if the line is not a passwd entry for `name`. */
export function parsePasswdLine(line: string, name: string): SystemUser | null {
  const fields = line.split(":");
  if (fields.length < 7 || fields[0] !== name) return null;
  const uid = Number(fields[2]);
  const gid = Number(fields[3]);
  if (!Number.isSafeInteger(uid) || uid < 0 || !Number.isSafeInteger(gid) || gid < 0) return null;
  return { name, uid, gid };
}

/**
 * Looks a user up the way setuidgid will (getpwnam, so NSS sources such as LDAP count):
 * `getent passwd NAME`, run without a shell. Where getent is missing, /etc/passwd.
 * Returns null when no such user exists.
 */
export async function lookUpUser(name: string): Promise<SystemUser | null> {
  if (!isPlainUserName(name)) return null;
  const out = await getent(name);
  if (out === "missing-getent") return lookUpInPasswdFile(name);
  if (out === null) return null;
  return parsePasswdLine(out.split("\n")[0] ?? "", name);
}

function getent(name: string): Promise<string | null | "missing-getent"> {
  return new Promise((resolve, reject) => {
    execFile("getent", ["passwd", name], { timeout: 10_000 }, (err, stdout) => {
      if (!err) return resolve(stdout);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return resolve("missing-getent");
      // getent: exit 2 = key not found.
      if (typeof code === "number" && code === 2) return resolve(null);
      reject(new Error(`getent passwd ${name} failed: ${err.message}`));
    });
  });
}

async function lookUpInPasswdFile(name: string): Promise<SystemUser | null> {
  const text = await readFile("/etc/passwd", "utf8");
  for (const line of text.split("\n")) {
    const user = parsePasswdLine(line, name);
    if (user) return user;
  }
  return null;
}
