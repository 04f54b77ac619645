import { randomBytes } from "node:crypto";
import { link, readFile, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { createExclusive, temporaryName, writeFileAtomicSync } from "../atomic-file.js";
import { groupsMentioning, processStatus, signalGroup } from "../process-group.js";

/** Our own lock, inside the mirror; git ignores files it does not know. */
export const LOCK_FILE = "chime-backup.lock";

interface LockRecord {
  pid: number;
  host: string;
  /** process group of the git we are running there, if any */
  gitPgid?: number;
  /** on the command line of every fetch we run there (-c chime.lock=TOKEN), so `ps` finds it */
  token?: string;
}

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
 * Creates `path` holding `record`, or fails with EEXIST. The record is written to a file of our
 * own first and hard-linked into place, so a lock file is never seen empty or half-written:
 * with open("wx") + write, another run arriving in between read no record, took the lock for
 * a dead one's and removed it, and both ran.
 */
async function createWithRecord(path: string, record: string): Promise<void> {
  // Under a random name, exclusively: a symlink planted at a predictable name is never followed.
  const tmp = temporaryName(path);
  await createExclusive(tmp, record);
  let linkError: NodeJS.ErrnoException | undefined;
  try {
    await link(tmp, path);
  } catch (err) {
    linkError = err as NodeJS.ErrnoException;
  } finally {
    await unlink(tmp).catch(() => {});
  }
  if (linkError === undefined) return;
  if (linkError.code === "EEXIST") throw linkError;
  // a file system without hard links: the plain exclusive create, torn-record window and all
  await createExclusive(path, record);
}

/** Mirrors this process holds: a lock file with our own pid is busy only if it is in here. */
const heldHere = new Set<string>();

export class MirrorBusyError extends Error {
  override readonly name = "MirrorBusyError";
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readRecord(path: string): Promise<LockRecord | undefined> {
  try {
    const r = JSON.parse(await readFile(path, "utf8")) as Partial<LockRecord>;
    if (typeof r.pid !== "number" || typeof r.host !== "string") return undefined;
    return r as LockRecord;
  } catch {
    return undefined;
  }
}

async function isZombie(pid: number): Promise<boolean> {
  return (await processStatus(pid))?.zombie ?? false;
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

/**
 * One chime at a time per mirror (two fetches in one repository make one of them fail with
 * "cannot lock ref"). The lock records our pid, so a lock left by a killed run is recognised as
 * stale and taken over after its orphaned git, if any, is gone.
 */
export async function lockMirror(mirror: string): Promise<MirrorLock> {
  const path = join(mirror, LOCK_FILE);
  const host = hostname();
  let inheritedUncleanExit = false;
  const token = randomBytes(16).toString("hex");
  for (let attempt = 0; ; attempt++) {
    try {
      await createWithRecord(path, JSON.stringify({ pid: process.pid, host, token } satisfies LockRecord));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 2) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new MirrorBusyError("mirror is locked by another run");
        throw err;
      }
    }
    const held = await readRecord(path);
    if (heldHere.has(path)) throw new MirrorBusyError("mirror is being updated by this process already");
    // A holder killed with -9 whose parent has not reaped it yet (an init that reaps late, a
    // supervisor that is itself stuck) is a zombie: kill(pid, 0) succeeds, yet it holds nothing.
    if (held && held.host === host && held.pid !== process.pid && alive(held.pid) && !(await isZombie(held.pid))) {
      throw new MirrorBusyError(`mirror is locked by running process ${held.pid}`);
    }
    if (held && held.host !== host) {
      throw new MirrorBusyError(`mirror is locked by process ${held.pid} on host ${held.host}`);
    }
    if (held?.gitPgid !== undefined) await killOrphanedGit(held.gitPgid);
    if (held?.token !== undefined && /^[0-9a-f]{32}$/.test(held.token)) {
      // the git a killed run started but never recorded: its command line carries the token
      for (const pgid of await groupsMentioning(`chime.lock=${held.token}`)) await killOrphanedGit(pgid);
    }
    inheritedUncleanExit = true;
    await unlink(path).catch(() => {});
  }
  heldHere.add(path);
  let released = false;
  return {
    inheritedUncleanExit,
    token,
    recordGit(pgid) {
      const rec: LockRecord = { pid: process.pid, host, token };
      if (pgid !== undefined) rec.gitPgid = pgid;
      // temp + rename: a kill -9 mid-write must not leave a record without the git's group.
      // No fsync: the record guards against kill -9, which the page cache survives. It may
      // throw (ENOSPC): the process runner then stops the git it just started, and runGit
      // reports why (GitRun.setupError).
      writeFileAtomicSync(path, JSON.stringify(rec), { fsync: false });
    },
    async release() {
      if (released) return;
      released = true;
      await unlink(path).catch(() => {});
      heldHere.delete(path);
    },
  };
}
