import { constants, readdirSync } from "node:fs";
import { access } from "node:fs/promises";
import { userInfo } from "node:os";
import { join, resolve } from "node:path";
import type { Environment } from "../jobs/job.js";
import { runProcessSync } from "../jobs/process-runner.js";
import { badValue } from "../options/bad-value.js";
import { die, EXIT_SYSTEM, EXIT_USAGE } from "./die.js";
import { INSTALL_SERVICE_HELP, parseInstallArgs, type InstallArgs } from "./install-service-args.js";
import { installationRoot } from "./installation-root.js";
import { configService, jobService } from "./service-content.js";
import { writeServiceDir } from "./service-dir.js";
import { findUser, isPlainUserName, type UserIds } from "../daemon/privileges.js";
import { detectSupervisor, missingPrograms, SUPERVISOR_NAMES, supervisorNamed, type Supervisor } from "./supervisor.js";

/** The daemon refuses to run as root without this consent (DESIGN.md §3). */
export const ALLOW_ROOT_ENV = "CHIME_ALLOW_ROOT";

// Service names become directory names under svscan's directory: plain, and never
// starting with "." (svscan skips those) or "-" (read as an option by svc and friends).
const PLAIN_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/** `chime install-service …`: returns the exit code; bad input throws Fatal (exit 100). */
export async function runInstallService(
  args: readonly string[],
  /** chime's environment: its PATH decides which supervisor is installed */
  chimeEnv: Environment,
  out: (line: string) => void = (line) => process.stdout.write(line + "\n"),
): Promise<number> {
  const parsed = parseInstallArgs(args);
  if (parsed === "help") {
    out(INSTALL_SERVICE_HELP.trimEnd());
    return 0;
  }
  if (!PLAIN_NAME.test(parsed.name)) {
    die(
      EXIT_USAGE,
      `install-service: ${badValue("NAME (argument)", "not a service name (use letters, digits, . _ -; not starting with . or -)", parsed.name)}`,
    );
  }
  const what = parsed.config !== undefined ? await configService(parsed.config) : await jobService(parsed);
  if (parsed.monitorGroup !== undefined && !isPlainUserName(parsed.monitorGroup)) {
    die(EXIT_USAGE, `install-service: --monitor-group ${JSON.stringify(parsed.monitorGroup)}: not a plain group name`);
  }

  const asRoot = process.getuid?.() === 0;
  const user = await requireUser("--user", parsed.user, asRoot);
  const logUser = await requireUser("--log-user", parsed.logUser, asRoot);

  const root = installationRoot();
  const chime = join(root, "dist", "bin", "chime.cjs");
  await access(chime).catch(() => die(EXIT_SYSTEM, `install-service: chime's program ${chime} is missing (run npm run build)`));
  const node = resolve(parsed.node ?? process.execPath);
  await access(node, constants.X_OK).catch(() => die(EXIT_USAGE, `install-service: ${badValue("--node", "not an executable file", node)}`));
  if (asRoot && user.uid !== 0) {
    const blocked = unreachableFor(user, node, [chime, ...(what.env["CHIME_CONFIG"] ? [what.env["CHIME_CONFIG"]] : [])]);
    if (blocked)
      out(
        `warning: ${user.name} cannot ${blocked}: the service would fail at every start; install chime (and node, --node) where ${user.name} can read them`,
      );
  }
  const supervisor = chooseSupervisor(parsed, asRoot, chimeEnv["PATH"] ?? "", out);
  const env: Record<string, string> = { ...supervisor.env, ...what.env };
  if (user.uid === 0) env[ALLOW_ROOT_ENV] = "1";

  const target = await writeServiceDir({
    parentDir: resolve(parsed.dir),
    name: parsed.name,
    templateDir: join(root, "service", what.template),
    logRunTemplate: join(root, supervisor.logRunTemplate),
    supervisor,
    node,
    chime,
    jobArgs: what.jobArgs,
    env,
    user,
    logUser,
    asRoot,
    down: parsed.down,
    monitorGroup: parsed.monitorGroup,
  });
  if (user.uid === 0) out(`warning: ${target} runs its job as root (env/${ALLOW_ROOT_ENV} written)`);
  const start = parsed.down ? `it stays down until ${supervisor.upCommand}` : supervisor.scanNote;
  out(`wrote ${target} for ${supervisor.name} (${what.label} as ${user.name}, log as ${logUser.name}); ${start}`);
  return 0;
}

/**
 * --supervisor, or the one detected; refused when a program its scripts call is missing
 * (the service would fail at every start with "not found" in a log nobody reads yet).
 */
function chooseSupervisor(parsed: InstallArgs, asRoot: boolean, path: string, out: (line: string) => void): Supervisor {
  let supervisor: Supervisor;
  if (parsed.supervisor !== undefined) {
    const named = supervisorNamed(parsed.supervisor);
    if (!named)
      die(
        EXIT_USAGE,
        `install-service: ${badValue("--supervisor", `unknown supervisor (${SUPERVISOR_NAMES.join(", ")})`, parsed.supervisor)}`,
      );
    supervisor = named;
  } else {
    const dir = resolve(parsed.dir);
    let existing: string[] = [];
    try {
      existing = readdirSync(dir).filter((n) => !n.startsWith("."));
    } catch {
      // a missing --dir is reported when the directory is written
    }
    const found = detectSupervisor(dir, existing, path);
    if (found.supervisor === null) die(EXIT_USAGE, `install-service: ${found.why}`);
    supervisor = found.supervisor;
    if (found.why.startsWith("several")) out(`note: ${found.why}`);
  }
  const lacking = missingPrograms(supervisor, asRoot, path);
  if (lacking.length > 0) {
    const what = lacking.length === 1 ? `${lacking[0]}, which is` : `${lacking.join(", ")}, which are`;
    die(
      EXIT_USAGE,
      `install-service: ${badValue("--supervisor", `the run scripts call ${what} not on PATH (install the ${supervisor.pkg} package)`, supervisor.name)}`,
    );
  }
  return supervisor;
}

async function requireUser(flag: string, name: string, asRoot: boolean): Promise<UserIds> {
  if (!isPlainUserName(name)) die(EXIT_USAGE, `install-service: ${badValue(flag, "not a plain user name", name)}`);
  let user: UserIds | null;
  try {
    user = findUser(name);
  } catch (err) {
    die(EXIT_SYSTEM, `install-service: ${badValue(flag, (err as Error).message, name)}`);
  }
  if (!user) die(EXIT_USAGE, `install-service: ${badValue(flag, "no such user", name)}`);
  // Only root can chown to another user or call setuidgid; anyone else installs for themselves.
  if (!asRoot && user.uid !== process.getuid?.()) {
    die(
      EXIT_USAGE,
      `install-service: ${badValue(flag, `only root can install a service for another user (you are ${userInfo().username})`, name)}`,
    );
  }
  return user;
}

/**
 * What `user` cannot do of what the run script will ask (run node, read chime's bundle and the
 * config file), found by trying it as that user, the way setuidgid will; undefined if all is
 * well. A checkout under /root is the usual culprit: nobody cannot enter it.
 */
function unreachableFor(user: UserIds, node: string, files: readonly string[]): string | undefined {
  const probe = "for (const f of process.argv.slice(1)) try { require('fs').accessSync(f, 4) } catch { console.log(f); process.exit(1) }";
  const r = runProcessSync({ argv: [node, "-e", probe, ...files], uid: user.uid, gid: user.gid, cwd: "/", timeoutMs: 10_000 });
  if (r.spawnError !== undefined) return `run ${node} (${r.spawnError})`;
  if (r.code === 0) return undefined;
  const file = r.stdout.trim();
  return file ? `read ${file}` : `run ${node} (exit ${r.code ?? r.signal})`;
}
