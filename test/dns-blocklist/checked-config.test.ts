import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configWithInclude, IncludeNotUsedError } from "../../src/jobs/dns-blocklist/checked-config.js";

// unbound-checkconf must judge the configuration unbound will read, with the new include in the
// old one's place: named in the main file, or in a file it includes — Debian's layout is
// unbound.conf with `include-toplevel: "/etc/unbound/unbound.conf.d/*.conf"` (unbound.conf(5):
// include and include-toplevel take a file name or a glob).
describe("dns-blocklist: the configuration unbound-checkconf is given", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "chime-dnsbl-conf-"));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it("replaces the include named in the main file, quoted or not, and leaves the rest", async () => {
    const include = join(dir, "blocklist.conf");
    const main = join(dir, "unbound.conf");
    await writeFile(
      main,
      `server:\n  verbosity: 1\n  include: "${include}"\n  include: ${include} # again\n  include: "${join(dir, "other.conf")}"\n`,
    );
    const c = await configWithInclude(main, include, "/new/file.conf");
    expect(await readFile(c.path, "utf8")).toBe(
      `server:\n  verbosity: 1\n  include: "/new/file.conf"\n  include: "/new/file.conf" # again\n  include: "${join(dir, "other.conf")}"\n`,
    );
    await c.dispose();
    expect(await readdir(dir)).toEqual(["unbound.conf"]);
  });

  it("follows a glob include one level down (the Debian conf.d layout)", async () => {
    const confd = join(dir, "unbound.conf.d");
    await mkdir(confd);
    const include = join(dir, "blocklist.conf");
    const main = join(dir, "unbound.conf");
    await writeFile(main, `include-toplevel: "${confd}/*.conf"\n`);
    await writeFile(join(confd, "a-remote.conf"), "remote-control:\n  control-enable: yes\n");
    await writeFile(join(confd, "blocklist.conf"), `server:\n  include: "${include}"\n`);
    await writeFile(join(confd, "notes.txt"), `include: "${include}"\n`);
    const c = await configWithInclude(main, include, "/new/file.conf");
    const lines = (await readFile(c.path, "utf8")).split("\n").filter(Boolean);
    expect(lines[0]).toBe(`include-toplevel: "${join(confd, "a-remote.conf")}"`);
    const copy = /^include-toplevel: "(.*)"$/.exec(lines[1]!)![1]!;
    expect(copy).not.toBe(join(confd, "blocklist.conf"));
    expect(await readFile(copy, "utf8")).toBe(`server:\n  include: "/new/file.conf"\n`);
    expect(lines).toHaveLength(2);
    await c.dispose();
    expect((await readdir(dir)).sort()).toEqual(["unbound.conf", "unbound.conf.d"]);
  });

  it("a configuration that does not include the file is refused, naming both", async () => {
    const main = join(dir, "unbound.conf");
    await writeFile(main, "server:\n  verbosity: 1\n");
    await expect(configWithInclude(main, join(dir, "blocklist.conf"), "/x")).rejects.toThrow(IncludeNotUsedError);
    await expect(configWithInclude(main, join(dir, "blocklist.conf"), "/x")).rejects.toThrow(
      `${main} does not include ${join(dir, "blocklist.conf")}`,
    );
    expect(await readdir(dir)).toEqual(["unbound.conf"]);
  });
});
