/**
 * The daemontools rig (supervisor-rigs.ts) and what the svscan tests share: the user nobody,
 * the teardown, an installation every user can read.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { alive } from "../helpers/processes.js";
import { DAEMONTOOLS, SupervisorRig } from "./supervisor-rigs.js";

export { sleep, svc, svok, svstat, underSvscan, waitFor, type Svstat } from "./supervisor-rigs.js";

/** Whether `pid` is a live process; a zombie awaiting its reaper counts as gone. */
export const isAlive = alive;

/** The uid and gid of `nobody`, the unprivileged service user these tests use. */
export const nobody = {
  uid: Number(execFileSync("id", ["-u", "nobody"], { encoding: "utf8" }).trim()),
  gid: Number(execFileSync("id", ["-g", "nobody"], { encoding: "utf8" }).trim()),
};

/**
 * Stops the rig and kills (by pid) any process the test saw that is still alive, then removes
 * the temp dir. Returns what was left over, for the caller to assert empty.
 */
export async function tearDown(
  rig: SvscanRig | undefined,
  seenPids: Iterable<number>,
  base: string,
): Promise<{ left: string[]; alive: number[] }> {
  const left = rig ? await rig.stop() : [];
  const alive = [...seenPids].filter(isAlive);
  for (const pid of alive) process.kill(pid, "SIGKILL"); // never leave a stray behind
  rmSync(base, { recursive: true, force: true });
  return { left, alive };
}

/** The daemontools rig: svscan on `scanDir`, optionally as another user. */
export class SvscanRig extends SupervisorRig {
  constructor(scanDir: string, errFile: string, as?: { uid: number; gid: number }) {
    super(DAEMONTOOLS, scanDir, errFile, as);
  }
}

/**
 * A copy of this chime installation (its bundles, chime.cjs loads each job's from dist/jobs,
 * and its templates: all chime needs at run time) where every user can read it, plus a node
 * every user can run. CI may check the project out under /root, which `nobody` cannot enter.
 */
export function installationForEveryone(base: string, as: { uid: number; gid: number }): { chime: string; node: string } {
  const root = join(base, "chime");
  mkdirSync(root, { recursive: true });
  cpSync("dist", join(root, "dist"), { recursive: true });
  chmodSync(join(root, "dist", "bin", "chime.cjs"), 0o755);
  cpSync("service", join(root, "service"), { recursive: true });
  cpSync("log", join(root, "log"), { recursive: true });
  let node = process.execPath;
  const probe = spawnSync(node, ["-e", ""], { uid: as.uid, gid: as.gid, cwd: "/" });
  if (probe.status !== 0) {
    node = join(base, "node");
    copyFileSync(process.execPath, node);
    chmodSync(node, 0o755);
  }
  return { chime: join(root, "dist", "bin", "chime.cjs"), node };
}
