import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { groupsMentioning, processStatus, signalGroup } from "../process-group.js";
import { type PidLockRecord, takePidLock } from "../pid-lock.js";

/** Our own lock, inside the mirror; git ignores files it does not know. */
export const LOCK_FILE = "chime-backup.lock";

/**
 * What git-backup adds to the pid lock's record: `gitPgid`, the process group of the git we are
 * running there, if any; `token`, on the command line of every fetch we run there
 * (-c chime.lock=TOKEN), so `ps` finds it.
 */
export interface MirrorLock {
  /** the previous holder died without releasing: git's lock files there are ours and stale */
  readonly inheritedUncleanExit: boolean;
  /** synchronous, so the record is on disk before git can do anything a kill -9 could orphan */
  recordGit(pgid: number | undefined): void;
  /**
   * In the record from the start, and given to git as `-c chime.lock=TOKEN`: a kill -9 between
   * spawning git and recordGit leaves an orphan whose group nobody wrote down, found by this.
   */
  readonly token: string;
  release(): Promise<void>;
}

/**
 * A git fetch orphaned by a kill -9 of its parent keeps running in its own process group. We
 * kill it only when it is provably ours: the group leader still exists, leads its own group and
 * is a git (the lock file named this very group, or its command line carries our token).
 */
async function killOrphanedGit(pgid: number): Promise<void> {
  const leader = await processStatus(pgid);
  if (!leader || leader.pgid !== pgid || !/^git(\b|-)/.test(leader.command)) return;
  if (!signalGroup(pgid, "SIGKILL")) return;
  // An orphan's parent is now init (or a container's stand-in, which may never reap): a zombie
  // holds no lock and writes nothing, so "dead or zombie" is gone enough.
  for (let i = 0; i < 100; i++) {
    const now = await processStatus(pgid);
    if (!now || now.zombie) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Before a dead run's lock is removed, the git it left running (if any) goes. */
async function endOrphanedGits(stale: PidLockRecord | undefined): Promise<void> {
  if (typeof stale?.gitPgid === "number") await killOrphanedGit(stale.gitPgid);
  if (typeof stale?.token === "string" && /^[0-9a-f]{32}$/.test(stale.token)) {
    // the git a killed run started but never recorded: its command line carries the token
    for (const pgid of await groupsMentioning(`chime.lock=${stale.token}`)) await killOrphanedGit(pgid);
  }
}

/**
 * One chime at a time per mirror (two fetches in one repository make one of them fail with
 * "cannot lock ref"). A lock left by a killed run is taken over after its orphaned git, if
 * any, is gone. Busy: LockBusyError (pid-lock.ts).
 */
export async function lockMirror(mirror: string): Promise<MirrorLock> {
  const token = randomBytes(16).toString("hex");
  const lock = await takePidLock(join(mirror, LOCK_FILE), { busy: "mirror is locked", extra: { token }, beforeTakeover: endOrphanedGits });
  return {
    inheritedUncleanExit: lock.tookOver,
    token,
    recordGit(pgid) {
      // May throw (ENOSPC): the process runner then stops the git it just started, and runGit
      // reports why (GitRun.setupError).
      lock.rewrite(pgid === undefined ? { token } : { token, gitPgid: pgid });
    },
    release: () => lock.release(),
  };
}
