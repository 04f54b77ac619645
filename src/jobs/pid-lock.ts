import { linkSync } from "node:fs";
import { hostname } from "node:os";
import { createExclusiveSync, temporaryName, unlinkQuietly, unlinkQuietlyAsync, writeFileAtomicSync } from "./atomic-file.js";
import { processStatus } from "./process-group.js";
import { readRegularFileSync } from "./regular-file.js";

/**
 * An exclusive lock file naming the process that holds it (pid and host), for one run at a time
 * over some state (a git mirror, a dns-blocklist state directory). A lock whose holder is gone —
 * killed with -9, so nothing released it — is recognised as stale and taken over.
 */
export interface PidLockRecord {
  pid: number;
  host: string;
  /** what a user of the lock adds (git-backup: its git's process group and token) */
  [field: string]: unknown;
}

export interface PidLock {
  /** the previous holder died without releasing: what it left half-done is stale */
  readonly tookOver: boolean;
  /**
   * Replaces the record's extra fields; synchronous, so they are on disk before the caller
   * starts anything a kill -9 could orphan. temp + rename: a kill -9 mid-write must not leave a
   * torn record. No fsync: the record guards against kill -9, which the page cache survives.
   * May throw (ENOSPC).
   */
  rewrite(extra: Record<string, unknown>): void;
  release(): Promise<void>;
}

/** Somebody else holds the lock; the message names them, after the caller's `busy` words. */
export class LockBusyError extends Error {
  override readonly name = "LockBusyError";
}

/** Whether process `pid` exists (EPERM: it does, as another user). kill(0) needs no /proc. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Locks this process holds: a lock file with our own pid is busy only if it is in here. */
const heldHere = new Set<string>();

/**
 * Creates `path` holding `record`, or fails with EEXIST. The record is written to a file of our
 * own first and hard-linked into place, so a lock file is never seen empty or half-written:
 * with open("wx") + write, another run arriving in between read no record, took the lock for
 * a dead one's and removed it, and both ran.
 *
 * Synchronous, like the record's rewrite: a few bytes in a local directory, taken once per
 * mirror per git-backup run (update-mirror.ts says what an async call costs there).
 */
function createWithRecord(path: string, record: string): void {
  // Under a random name, exclusively: a symlink planted at a predictable name is never followed.
  const tmp = temporaryName(path);
  createExclusiveSync(tmp, record);
  let linkError: NodeJS.ErrnoException | undefined;
  try {
    linkSync(tmp, path);
  } catch (err) {
    linkError = err as NodeJS.ErrnoException;
  } finally {
    unlinkQuietly(tmp);
  }
  if (linkError === undefined) return;
  if (linkError.code === "EEXIST") throw linkError;
  // a file system without hard links: the plain exclusive create, torn-record window and all
  createExclusiveSync(path, record);
}

function readRecord(path: string): PidLockRecord | undefined {
  try {
    const r = JSON.parse(readRegularFileSync(path)) as Partial<PidLockRecord> | null;
    if (typeof r?.pid !== "number" || typeof r.host !== "string") return undefined;
    return r as PidLockRecord;
  } catch {
    return undefined;
  }
}

/**
 * A holder killed with -9 whose parent has not reaped it yet (an init that reaps late, a
 * supervisor that is itself stuck) is a zombie: kill(pid, 0) succeeds, yet it holds nothing.
 */
async function holdsIt(pid: number): Promise<boolean> {
  return pid !== process.pid && pidAlive(pid) && !((await processStatus(pid))?.zombie ?? false);
}

export interface PidLockOptions {
  /** how the thing reads when busy: "mirror is locked" → "mirror is locked by running process 42" */
  busy: string;
  /** extra fields of the record from the start */
  extra?: Record<string, unknown>;
  /** called with a dead holder's record (undefined if unreadable) before its lock is removed */
  beforeTakeover?: (stale: PidLockRecord | undefined) => Promise<void>;
}

/** Takes the lock at `path` (its directory must exist), or throws LockBusyError naming the holder. */
export async function takePidLock(path: string, opts: PidLockOptions): Promise<PidLock> {
  const host = hostname();
  const record = (extra: Record<string, unknown>): string => JSON.stringify({ ...extra, pid: process.pid, host });
  let tookOver = false;
  for (let attempt = 0; ; attempt++) {
    try {
      createWithRecord(path, record(opts.extra ?? {}));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      // taken over twice and still there: another run keeps winning the race for it
      if (attempt >= 2) throw new LockBusyError(`${opts.busy} by another run`);
    }
    if (heldHere.has(path)) throw new LockBusyError(`${opts.busy} by this process already`);
    const held = readRecord(path);
    if (held && held.host !== host) throw new LockBusyError(`${opts.busy} by process ${held.pid} on host ${held.host}`);
    if (held && (await holdsIt(held.pid))) throw new LockBusyError(`${opts.busy} by running process ${held.pid}`);
    await opts.beforeTakeover?.(held);
    tookOver = true;
    unlinkQuietly(path);
  }
  heldHere.add(path);
  let released = false;
  return {
    tookOver,
    rewrite(extra) {
      writeFileAtomicSync(path, record(extra), { fsync: false });
    },
    async release() {
      if (released) return;
      released = true;
      await unlinkQuietlyAsync(path);
      heldHere.delete(path);
    },
  };
}
