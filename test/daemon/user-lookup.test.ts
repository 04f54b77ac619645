/**
 * One user lookup (src/daemon/privileges.ts, through id(1)) serves the daemon's --user and
 * install-service's --user/--log-user. Expected ids come from the running process and from the
 * fixed ids POSIX systems give root, not from the lookup itself.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { userInfo } from "node:os";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/daemon/build-job.js";
import { findUser, lookupUser } from "../../src/daemon/privileges.js";

describe("findUser", () => {
  it("finds this process's own user with its uid and gid", () => {
    const me = userInfo().username;
    const ids = findUser(me);
    expect(ids).toMatchObject({ name: me, uid: process.getuid!(), gid: process.getgid!() });
    expect(ids!.groups).toContain(process.getgid!());
  });

  it("finds root as uid 0, gid 0", () => {
    expect(findUser("root")).toMatchObject({ name: "root", uid: 0, gid: 0 });
  });

  it("null for a user that does not exist, and for a name that could be read as an option", () => {
    expect(findUser("chime-no-such-user-x")).toBeNull();
    expect(findUser("--help")).toBeNull();
    expect(findUser("-u")).toBeNull();
  });

  it("lookupUser names the value and its source", () => {
    expect(() => lookupUser("chime-no-such-user-x", "--user")).toThrow(ConfigError);
    expect(() => lookupUser("chime-no-such-user-x", "--user")).toThrow('--user: no such user: "chime-no-such-user-x"');
    expect(() => lookupUser("-x", "CHIME_USER (environment)")).toThrow('CHIME_USER (environment): not a plain user name: "-x"');
  });
});

describe("there is one user lookup", () => {
  it("no module of src reads /etc/passwd or runs getent", () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
      );
    const offenders = files("src").filter((f) => /["'`]\/etc\/passwd["'`]|["'`]getent["'`]/.test(readFileSync(f, "utf8")));
    expect(offenders).toEqual([]);
    expect(existsSync("src/cli/system-user.ts")).toBe(false);
  });
});
