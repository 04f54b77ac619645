import { chmod, chown, lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CHECK_READS_ENV } from "./chime-service-reader.js";
import { die, EXIT_SYSTEM, EXIT_USAGE } from "./die.js";
import { fillTemplate, shellWords } from "./run-script-template.js";
import type { UserIds } from "../daemon/privileges.js";
import { runProcessSync } from "../jobs/process-runner.js";
import { STATE_DIR_OPTION } from "../daemon/daemon-options.js";

/** the service directory's state/: run scripts run in the service directory */
const STATE_DIR = STATE_DIR_OPTION.default!;
import type { Supervisor } from "./supervisor.js";

/** Everything needed to write one service directory; validated by the caller. */
export interface ServicePlan {
  /** the directory svscan scans (/var/service) */
  readonly parentDir: string;
  readonly name: string;
  /** service/<template>/ of this installation: run and env/ */
  readonly templateDir: string;
  /** the log/run template of this installation for `supervisor` */
  readonly logRunTemplate: string;
  /** whose programs the run scripts call (envdir/chpst/s6-envdir, multilog/svlogd/s6-log) */
  readonly supervisor: Supervisor;
  readonly node: string;
  readonly chime: string;
  readonly jobArgs: readonly string[];
  /** env/ files that replace or add to the template's */
  readonly env: Readonly<Record<string, string>>;
  readonly user: UserIds;
  readonly logUser: UserIds;
  /** root installs: run scripts drop privileges with setuidgid and files are chowned */
  readonly asRoot: boolean;
  /** write a `down` file: supervise then waits for `svc -u` */
  readonly down: boolean;
  /**
   * --monitor-group: the group whose members may run `chime check` on this service — and read
   * nothing else: the state directory's records (not the jobs' own directories), the supervisor's
   * status, and the few env/ settings that say where the state is; never a secret in env/.
   */
  readonly monitorGroup?: string | undefined;
}

/**
 * Writes the service directory under a dot-name first and renames it into place at the
 * end: svscan skips names starting with "." and scans every 5 s, so it never starts a
 * half-written service.
 */
export async function writeServiceDir(plan: ServicePlan): Promise<string> {
  const target = join(plan.parentDir, plan.name);
  await refuseExisting(target);
  await requireDirectory(plan.parentDir);
  const templates = await readTemplates(plan);
  const staging = await attempt(`create a directory in ${plan.parentDir}`, () => mkdtemp(join(plan.parentDir, `.${plan.name}.install-`)));
  try {
    await attempt(`write ${target}`, () => fillStaging(staging, plan, templates));
    // Checked again: another installer may have won the race while we wrote.
    await refuseExisting(target);
    await attempt(`rename ${staging} to ${target}`, () => rename(staging, target));
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
  return target;
}

interface Templates {
  readonly run: string;
  readonly logRun: string;
  readonly env: ReadonlyMap<string, string>;
}

async function readTemplates(plan: ServicePlan): Promise<Templates> {
  return attempt(`read the service templates in ${plan.templateDir}`, async () => {
    const envDir = join(plan.templateDir, "env");
    const env = new Map<string, string>();
    // A template without env/ (git keeps no empty directories) starts with none.
    const files = await readdir(envDir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return [];
      throw err;
    });
    for (const file of files.sort()) {
      if (!file.startsWith(".")) env.set(file, await readFile(join(envDir, file), "utf8"));
    }
    return {
      run: await readFile(join(plan.templateDir, "run"), "utf8"),
      logRun: await readFile(plan.logRunTemplate, "utf8"),
      env,
    };
  });
}

async function fillStaging(dir: string, plan: ServicePlan, templates: Templates): Promise<void> {
  // Only root can drop privileges; anyone else's scripts run as themselves.
  const become = (user: UserIds): string | null => (plan.asRoot ? user.name : null);
  const run = fillTemplate(templates.run, {
    ENV_AND_USER: plan.supervisor.envAndUser(become(plan.user)),
    NODE: shellWords([plan.node]),
    CHIME: shellWords([plan.chime]),
    JOB_ARGS: shellWords(plan.jobArgs),
  });
  const logRun = fillTemplate(templates.logRun, { SETUIDGID: plan.supervisor.logUser(become(plan.logUser)) });

  await writeExecutable(join(dir, "run"), run);
  // env/ is read by envdir before privileges are dropped, so it may hold secrets
  // (GITHUB_TOKEN) and stays readable by the installing user only.
  await mkdir(join(dir, "env"));
  const env = new Map(templates.env);
  for (const [key, value] of Object.entries(plan.env)) env.set(key, value + "\n");
  for (const [key, value] of env) await writeFile(join(dir, "env", key), value, { mode: 0o600 });
  await chmod(join(dir, "env"), 0o700);

  // Job state is written by the service user, where chime's default --state-dir puts it.
  await mkdir(join(dir, STATE_DIR));
  await chmod(join(dir, STATE_DIR), 0o700);
  await mkdir(join(dir, "log"));
  await chmod(join(dir, "log"), 0o755);
  await writeExecutable(join(dir, "log", "run"), logRun);
  await mkdir(join(dir, "log", "main"));
  await chmod(join(dir, "log", "main"), 0o750);
  for (const [file, text] of Object.entries(plan.supervisor.logDirFiles))
    await writeFile(join(dir, "log", "main", file), text, { mode: 0o644 });
  if (plan.down) await writeFile(join(dir, "down"), "");
  if (plan.asRoot) {
    await chown(join(dir, STATE_DIR), plan.user.uid, plan.user.gid);
    await chown(join(dir, "log", "main"), plan.logUser.uid, plan.logUser.gid);
  }
  if (plan.monitorGroup !== undefined) await openToMonitorGroup(dir, plan.monitorGroup, [...env.keys()]);
  await chmod(dir, 0o755);
}

/**
 * Least privilege for a monitoring user: read access where `chime check` reads, through the
 * group only. The records are created 0644 by the daemon, so the state directory's 0750 is the
 * gate; the jobs' own directories below it stay 0700 (git-backup's mirrors, ntp-check's memory).
 * env/ becomes 0710 — the group may open a file it names but not list the directory — and only
 * the settings chime check reads become group-readable; a token stays 0600.
 * supervise/ is made now, 0750: daemontools, runit and s6 create it 0700 when it is missing, and
 * keep the one they find.
 */
async function openToMonitorGroup(dir: string, group: string, envNames: readonly string[]): Promise<void> {
  const chgrp = (path: string): void => {
    // chgrp(1) resolves the name as the name service does (NIS, LDAP), like id(1) for users
    const r = runProcessSync({ argv: ["chgrp", "--", group, path] });
    if (r.spawnError === undefined && r.code === 0) return;
    const said = r.stderr.split("\n")[0] || `cannot run chgrp: ${r.spawnError ?? `exit ${r.code ?? r.signal}`}`;
    die(EXIT_USAGE, `install-service: --monitor-group ${group}: ${said}`);
  };
  await mkdir(join(dir, "supervise"));
  for (const d of ["state", "supervise"]) {
    chgrp(join(dir, d));
    await chmod(join(dir, d), 0o750);
  }
  chgrp(join(dir, "env"));
  await chmod(join(dir, "env"), 0o710);
  for (const name of envNames.filter((n) => (CHECK_READS_ENV as readonly string[]).includes(n))) {
    chgrp(join(dir, "env", name));
    await chmod(join(dir, "env", name), 0o640);
  }
}

async function writeExecutable(path: string, text: string): Promise<void> {
  await writeFile(path, text);
  // chmod after writing: writeFile's mode is cut by the umask.
  await chmod(path, 0o755);
}

async function refuseExisting(target: string): Promise<void> {
  const found = await lstat(target).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return null;
    return die(EXIT_SYSTEM, `install-service: unable to check ${target}: ${err.code ?? err.message}`);
  });
  if (found) die(EXIT_USAGE, `install-service: ${target} already exists; refusing to overwrite a service directory`);
}

async function requireDirectory(dir: string): Promise<void> {
  // stat, not lstat: /var/service is often a symlink to /etc/service.
  const found = await stat(dir).catch(() => null);
  if (!found?.isDirectory()) die(EXIT_USAGE, `install-service: --dir ${dir}: no such directory`);
}

async function attempt<T>(action: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (typeof e.code !== "string") throw err;
    return die(EXIT_SYSTEM, `install-service: unable to ${action}: ${e.code}${e.path ? ` (${e.path})` : ""}`);
  }
}
