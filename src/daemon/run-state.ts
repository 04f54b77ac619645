import { mkdir, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../jobs/atomic-file.js";
import { NotRegularFileError, readRegularFile } from "../jobs/regular-file.js";
import type { JobStatus } from "../jobs/job.js";

/**
 * What the daemon remembers about one job between runs and restarts, in STATE_DIR/TAG.json.
 * `handledThrough`: every schedule slot at or before this second has been run or skipped
 * (so a restart knows whether it missed one). Times are unix seconds / milliseconds.
 */
export interface RunRecord {
  job: string;
  schedule?: string;
  handledThrough?: number;
  lastStartMs?: number;
  lastEndMs?: number;
  lastStatus?: JobStatus;
  lastSummary?: string;
  lastReason?: string;
  runs?: number;
  /** when the daemon next plans to run it (wall clock, splay included), unix seconds */
  nextRunAt?: number;
  /** the slot of that planned run (unix seconds) and the splay offset it carries (ms): what a
   *  restart counts missed runs against (catch-up.ts), whatever the new settings are */
  plannedSlot?: number;
  splayOffsetMs?: number;
  pid?: number;
  /** the last run never ended (chime was killed during it); lastEndMs is when that was noticed */
  interrupted?: boolean;
}

export interface StateStore {
  /** the record, or an empty one; a problem reading it is reported through `warn` */
  load(tag: string, warn: (msg: string, fields: Record<string, string>) => void): Promise<RunRecord>;
  save(tag: string, rec: RunRecord): Promise<void>;
  /** the job's own private directory (JobContext.stateDir), created if missing */
  prepareJobDir(tag: string): Promise<string>;
}

/** A file-system error as log fields: the code and the path it was about (the admin's next step). */
export function fsErrorFields(e: unknown): Record<string, string> {
  const err = e as NodeJS.ErrnoException;
  return { error: err.code ?? String(e), ...(typeof err.path === "string" ? { path: err.path } : {}) };
}

const STATUSES: ReadonlySet<string> = new Set(["ok", "warning", "critical", "unknown"]);

/** Keeps only well-typed fields: a hand-edited or half-understood file must not crash us. */
export function sanitizeRecord(tag: string, raw: unknown): RunRecord | null {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return null;
  const r = raw as Record<string, unknown>;
  const rec: RunRecord = { job: tag };
  const num = (k: keyof RunRecord) => (typeof r[k] === "number" && Number.isFinite(r[k]) ? (r[k] as number) : undefined);
  const str = (k: keyof RunRecord) => (typeof r[k] === "string" ? (r[k] as string) : undefined);
  for (const k of ["handledThrough", "lastStartMs", "lastEndMs", "runs", "nextRunAt", "plannedSlot", "splayOffsetMs", "pid"] as const) {
    const v = num(k);
    if (v !== undefined) rec[k] = v;
  }
  for (const k of ["schedule", "lastSummary", "lastReason"] as const) {
    const v = str(k);
    if (v !== undefined) rec[k] = v;
  }
  if (r["interrupted"] === true) rec.interrupted = true;
  const st = str("lastStatus");
  if (st !== undefined && STATUSES.has(st)) rec.lastStatus = st as JobStatus;
  return rec;
}

export class FileStateStore implements StateStore {
  private madeDir = false;

  constructor(readonly dir: string) {}

  path(tag: string): string {
    return join(this.dir, `${tag}.json`);
  }

  async prepareJobDir(tag: string): Promise<string> {
    const dir = join(this.dir, tag);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  async load(tag: string, warn: (msg: string, fields: Record<string, string>) => void): Promise<RunRecord> {
    const path = this.path(tag);
    let text: string;
    try {
      text = await readRegularFile(path);
    } catch (e) {
      if (e instanceof NotRegularFileError) {
        warn("state file is not a regular file, starting with empty state", { file: path, error: e.kind });
        return { job: tag };
      }
      const code = (e as NodeJS.ErrnoException).code ?? String(e);
      if (code !== "ENOENT") warn("unable to read state file, starting with empty state", { file: path, error: code });
      return { job: tag };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const rec = sanitizeRecord(tag, parsed);
    if (!rec) {
      warn("state file is corrupt, starting with empty state", { file: path });
      return { job: tag };
    }
    return rec;
  }

  async save(tag: string, rec: RunRecord): Promise<void> {
    if (!this.madeDir) {
      await mkdir(this.dir, { recursive: true });
      this.madeDir = true;
    }
    await writeFileAtomic(this.path(tag), JSON.stringify(rec) + "\n");
  }

  /** tags of every job with a record, sorted */
  async tags(): Promise<string[]> {
    const names = await readdir(this.dir);
    return names
      .filter((n) => n.endsWith(".json") && !n.startsWith("."))
      .map((n) => n.slice(0, -5))
      .sort();
  }
}

/** For tests and benchmarks: the same contract, no disk. */
export class MemoryStateStore implements StateStore {
  readonly records = new Map<string, RunRecord>();

  async load(tag: string): Promise<RunRecord> {
    return { ...(this.records.get(tag) ?? { job: tag }) };
  }

  async save(tag: string, rec: RunRecord): Promise<void> {
    this.records.set(tag, { ...rec });
  }

  async prepareJobDir(tag: string): Promise<string> {
    return join(tmpdir(), "chime-memory-state", tag);
  }
}
