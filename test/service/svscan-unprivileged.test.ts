/**
 * The jail case: the whole svscan tree runs as an unprivileged user, who cannot
 * setuidgid. A service that user writes with `chime install-service` must run without it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SvscanRig, underSvscan, installationForEveryone, isAlive, nobody, svc, svstat, waitFor } from "./svscan-rig.js";

let chimeBin: string; // the copy every user can read
let nodeBin: string;

let base: string;
let rig: SvscanRig;

underSvscan.describe("chime under an svscan run entirely by an unprivileged user", () => {
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), "chime-svscan-nobody-"));
    chmodSync(base, 0o755);
    mkdirSync(join(base, "sv"));
    chownSync(join(base, "sv"), nobody.uid, nobody.gid);
    rig = new SvscanRig(join(base, "sv"), join(base, "svscan.out"), nobody);
    ({ chime: chimeBin, node: nodeBin } = installationForEveryone(base, nobody));
  });

  afterAll(async () => {
    const left = rig ? await rig.stop() : [];
    rmSync(base, { recursive: true, force: true });
    expect(left).toEqual([]);
  });

  it("install-service run as nobody writes scripts without setuidgid, and they run under svscan", async () => {
    const r = spawnSync(
      nodeBin,
      [chimeBin, "install-service", "mine", "--dir", join(base, "sv"), "--user", "nobody", "--when", ",S/2", "--", "/usr/bin/id", "-u"],
      { encoding: "utf8", uid: nobody.uid, gid: nobody.gid },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const svcDir = join(base, "sv", "mine");
    for (const script of [join(svcDir, "run"), join(svcDir, "log", "run")]) {
      const commands = readFileSync(script, "utf8")
        .split("\n")
        .filter((l) => l.startsWith("exec "));
      expect(commands.length).toBeGreaterThan(0);
      for (const line of commands) expect(line).not.toContain("setuidgid");
    }
    // Another user's service is beyond an unprivileged installer.
    const other = spawnSync(nodeBin, [chimeBin, "install-service", "theirs", "--dir", join(base, "sv"), "--user", "root"], {
      encoding: "utf8",
      uid: nobody.uid,
      gid: nobody.gid,
    });
    expect(other.status).toBe(100);
    expect(other.stderr).toContain(`install-service: --user: only root can install a service for another user (you are nobody): "root"`);
    expect(existsSync(join(base, "sv", "theirs"))).toBe(false);

    rig.start({ PATH: "/usr/local/bin:/usr/bin:/bin" });
    await rig.watch("mine");
    // The job (`id -u`) prints the uid it ran as; the log shows it.
    await waitFor("a run of id -u in the log", 8000, () => {
      const current = join(svcDir, "log", "main", "current");
      return existsSync(current) && new RegExp(` exec stdout=${nobody.uid}\\n`).test(readFileSync(current, "utf8"));
    });
    const pid = svstat(svcDir).pid!;
    const [uid] = execFileSync("ps", ["-o", "uid=", "-p", String(pid)], { encoding: "utf8" })
      .trim()
      .split(/\s+/);
    expect(Number(uid)).toBe(nobody.uid);
    const sent = Date.now();
    execFileSync("svc", ["-d", svcDir], { uid: nobody.uid, gid: nobody.gid });
    await waitFor("down", 30_000, () => !svstat(svcDir).up, 5);
    console.log(`svc -d (as nobody) → down: ${Date.now() - sent} ms`); // a latency: reported, not asserted
    expect(isAlive(pid)).toBe(false);
    svc("-u", svcDir); // leave it as rig.stop() expects to find it: any state works
  });
});
