/**
 * The example playbook (deploy/ansible/playbook.yml) applied to localhost, connection local,
 * with everything Ansible writes kept under the test's temp directory: no facts, no galaxy,
 * no collections but the built-in ones, nothing contacted beyond this host.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { npmEnvOutsideThisProject } from "../helpers/release-tarball.js";
import { nobody } from "../service/svscan-rig.js";

export const ansibleDir = resolve("deploy/ansible");

export interface Recap {
  readonly ok: number;
  readonly changed: number;
  readonly failed: number;
  /** everything ansible-playbook printed */
  readonly output: string;
}

export function ansibleEnv(base: string): NodeJS.ProcessEnv {
  return {
    ...npmEnvOutsideThisProject(),
    HOME: join(base, "ansible-home"),
    LC_ALL: "C.UTF-8", // ansible refuses a non-UTF-8 locale
    ANSIBLE_CONFIG: join(ansibleDir, "ansible.cfg"),
    ANSIBLE_NOCOLOR: "1",
    ANSIBLE_LOCAL_TEMP: join(base, "ansible-local"),
    ANSIBLE_REMOTE_TEMP: join(base, "ansible-remote"),
    ANSIBLE_COLLECTIONS_PATH: join(base, "ansible-collections"),
  };
}

/** Prepares `base` for playbook(): Ansible's directories and an inventory of localhost alone. */
export function prepareAnsible(base: string): void {
  for (const d of ["ansible-home", "ansible-local", "ansible-remote", "ansible-collections"]) mkdirSync(join(base, d), { recursive: true });
  // root already: no become (no sudo on a bare CI host)
  writeFileSync(join(base, "inventory.ini"), "[chime]\nlocalhost ansible_connection=local ansible_become=false\n");
}

/** The example playbook with `vars` as extra vars; returns localhost's PLAY RECAP, or throws. */
export function playbook(base: string, vars: object): Recap {
  const varsFile = join(base, "vars.json");
  writeFileSync(varsFile, JSON.stringify(vars));
  const r = spawnSync("ansible-playbook", ["-i", join(base, "inventory.ini"), "-e", `@${varsFile}`, "playbook.yml"], {
    cwd: ansibleDir,
    encoding: "utf8",
    timeout: 240_000,
    env: ansibleEnv(base),
  });
  const output = `${r.stdout}${r.stderr}`;
  const recap = /^localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)/m.exec(output);
  if (!recap || r.status !== 0) throw new Error(`ansible-playbook exit ${r.status ?? r.signal}:\n${output}`);
  return { ok: Number(recap[1]), changed: Number(recap[2]), failed: Number(recap[3]), output };
}

/** A node the service users can run (CI may keep this one under /root, which they cannot enter). */
export function nodeForEveryone(base: string): string {
  if (spawnSync(process.execPath, ["-e", ""], { uid: nobody.uid, gid: nobody.gid, cwd: "/" }).status === 0) return process.execPath;
  const node = join(base, "node");
  copyFileSync(process.execPath, node);
  chmodSync(node, 0o755);
  return node;
}
