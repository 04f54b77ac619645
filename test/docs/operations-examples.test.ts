/**
 * docs/operations.md's by-hand upgrade and roll-back, run as written: every fenced block
 * marked `sh tested` is run with sh, in order, on a host with a real svscan. The blocks name
 * their tarballs; the test builds releases with exactly those versions. Only /etc/service is
 * replaced (by this test's scanned directory), and npm's prefix is a temp directory.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { installRelease, npmEnvOutsideThisProject, packReleaseAs } from "../helpers/release-tarball.js";
import { isAlive, nobody, SvscanRig, svstat, underSvscan, waitFor } from "../service/svscan-rig.js";

const doc = readFileSync("docs/operations.md", "utf8");
const blocks = [...doc.matchAll(/^```sh tested\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);
const installs = (block: string): string => {
  const m = /npm install --global --offline \.\/chime-(\d+\.\d+\.\d+)\.tgz/.exec(block);
  if (!m) throw new Error(`a tested block of docs/operations.md installs no release:\n${block}`);
  return m[1] as string;
};

let base: string;
let scanDir: string;
let releases: string;
let env: NodeJS.ProcessEnv;
let rig: SvscanRig;
const seenPids = new Set<number>();

/** The service's log so far; empty until multilog has made `current` (later than svok says up, on a busy machine). */
const log = (name: string): string => {
  const current = join(scanDir, name, "log", "main", "current");
  return existsSync(current) ? readFileSync(current, "utf8") : "";
};
const starts = (name: string): string[] =>
  log(name)
    .split("\n")
    .filter((l) => / info chime starting version=/.test(l));
function pidOf(name: string): number {
  const s = svstat(join(scanDir, name));
  if (!s.up || s.pid === null) throw new Error(`${name} is not up: ${s.text}`);
  seenPids.add(s.pid);
  return s.pid;
}

underSvscan.describe("docs/operations.md: upgrading and rolling back by hand", () => {
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "chime-ops-doc-"));
    chmodSync(base, 0o755); // nobody runs the installed chime under it
    scanDir = join(base, "service");
    releases = join(base, "releases");
    for (const d of [scanDir, join(base, "home")]) mkdirSync(d);
    const versions = blocks.map(installs);
    for (const v of new Set(versions)) packReleaseAs(v, join(base, "build"), releases);

    // a node nobody can run (CI may keep it under /root), first on PATH for `#!/usr/bin/env node`
    let node = process.execPath;
    if (spawnSync(node, ["-e", ""], { uid: nobody.uid, gid: nobody.gid, cwd: "/" }).status !== 0) {
      node = join(base, "node-bin", "node");
      mkdirSync(dirname(node));
      copyFileSync(process.execPath, node);
      chmodSync(node, 0o755);
    }
    const prefix = join(base, "prefix");
    env = {
      ...npmEnvOutsideThisProject(),
      PATH: [join(prefix, "bin"), dirname(node), "/usr/local/bin", "/usr/bin", "/bin"].join(":"),
      HOME: join(base, "home"),
      npm_config_prefix: prefix,
      npm_config_cache: join(base, "npm-cache"),
    };

    // the host before the upgrade: the release the roll-back returns to, one chime service
    // written by it, and a service that is not chime's
    installRelease(join(releases, `chime-${versions.at(-1)}.tgz`), prefix);
    execFileSync("chime", ["install-service", "tick", "--dir", scanDir, "--user", "nobody", "--when", ",S/2", "--", "/bin/echo", "tick"], {
      env,
      encoding: "utf8",
    });
    mkdirSync(join(scanDir, "other", "log"), { recursive: true });
    writeFileSync(join(scanDir, "other", "run"), "#!/bin/sh\nexec sleep 100000\n", { mode: 0o755 });
    writeFileSync(join(scanDir, "other", "log", "run"), "#!/bin/sh\nexec cat >/dev/null\n", { mode: 0o755 });

    rig = new SvscanRig(scanDir, join(base, "svscan.out"));
    rig.start({ PATH: env["PATH"] as string });
    await rig.watch("tick", 15_000);
    await rig.watch("other", 15_000);
    await waitFor("tick's first run", 20_000, () => / exec stdout=tick\n/.test(log("tick")));
  });

  afterAll(async () => {
    const left = rig ? await rig.stop() : [];
    const alive = [...seenPids].filter(isAlive);
    for (const pid of alive) process.kill(pid, "SIGKILL");
    if (base) rmSync(base, { recursive: true, force: true });
    expect(left).toEqual([]);
    expect(alive).toEqual([]);
  });

  it("has the upgrade and the roll-back as tested blocks", () => {
    expect(blocks.length).toBe(2);
    const [up, back] = blocks.map(installs) as [string, string];
    const newer = (a: string, b: string) => a.localeCompare(b, "en", { numeric: true }) > 0;
    expect(newer(up, back)).toBe(true);
  });

  it("each block installs its release, restarts the chime service once onto it, and leaves other services alone", async () => {
    for (const block of blocks) {
      const version = installs(block);
      const before = { starts: starts("tick").length, tick: pidOf("tick"), other: pidOf("other") };
      const r = spawnSync("sh", ["-e", "-c", block.replaceAll("/etc/service", scanDir)], {
        cwd: releases,
        env,
        encoding: "utf8",
        timeout: 180_000,
      });
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`chime ${version}\n`);
      await waitFor(`tick to start on ${version}`, 20_000, () => starts("tick").length > before.starts);
      const after = starts("tick");
      expect(after.length).toBe(before.starts + 1);
      expect(after.at(-1)).toContain(` version=${version} `);
      expect(pidOf("tick")).not.toBe(before.tick);
      expect(pidOf("other")).toBe(before.other);
      // and it carries on with its job
      await waitFor(`a run on ${version}`, 20_000, () => / exec stdout=tick\n/.test(log("tick").split(after.at(-1) as string)[1] ?? ""));
    }
  });
});
