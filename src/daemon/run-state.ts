import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { mkdirSync } from "node:fs";
import { writeFileAtomic, writeFileAtomicSync } from "../jobs/atomic-file.js";
import { NotRegularFileError, readRegularFile } from "../jobs/regular-file.js";
import type { JobStatus } from "../jobs/job.js";
import type { OwnedGroup } from "../jobs/process-group.js";

/**
 * What the daemon remembers about one job between runs and restarts, in STATE_DIR/TAG.json.
 * Every time in it is unix milliseconds, and its name ends in `Ms`.
 */
export interface RunRecord {
  job: string;
  schedule?: string;
  /** every schedule slot at or before this has been run or skipped (so a restart knows
   *  whether it missed one); a whole second */
  handledThroughMs?: number;
  /** the last attempt's start and end (a run is one attempt, or more with --retry) */
  lastStartMs?: number;
  lastEndMs?: number;
  /** when the last run ended: its last attempt's end, once no further attempt follows */
  lastRunEndMs?: number;
  lastStatus?: JobStatus;
  lastSummary?: string;
  lastReason?: string;
  runs?: number;
  /** attempts the last run took (1, or more with --retry) */
  lastAttempts?: number;
  /** when the daemon next plans to run it (wall clock, splay included) */
  nextRunAtMs?: number;
  /** the slot of that planned run (a whole second) and the splay offset it carries: what a
   *  restart counts missed runs against (catch-up.ts), whatever the new settings are */
  plannedSlotMs?: number;
  splayOffsetMs?: number;
  pid?: number;
  /** when the job's current run of failures began (the first non-ok run after an ok one); absent: ok */
  failingSinceMs?: number;
  /** when --on-failure last ran for this job (its rate limit survives a restart) */
  failureAlertMs?: number;
  /** slots skipped because a run was still going or the clock jumped, since the record began */
  skippedSlots?: number;
  /** catch-up runs made at start for missed runs, since the record began */
  catchUps?: number;
  /** slots missed while chime was not running (each catch-up run stands for one or more) */
  missedSlots?: number;
  /** the last run never ended (chime was killed during it); lastEndMs is when that was noticed */
  interrupted?: boolean;
  /**
   * Process groups the running run owns, recorded as they start: after a kill -9 of chime
   * the next start ends them (reap-leftovers.ts) before anything else runs.
   */
  groups?: OwnedGroup[];
}

export interface StateStore {
  /** the record, or an empty one; a problem reading it is reported through `warn` */
  load(tag: string, warn: (msg: string, fields: Record<string, string>) => void): Promise<RunRecord>;
  save(tag: string, rec: RunRecord): Promise<void>;
  /**
   * Saves before returning (a process group just started: a kill -9 may follow at once).
   * The caller makes sure no save() of the tag is still pending, or that one would land after.
   */
  saveNow(tag: string, rec: RunRecord): void;
  /** the job's own private directory (JobContext.stateDir), created if missing */
  prepareJobDir(tag: string): Promise<string>;
  /**
   * The tags the service runs now (at start and after each reload): records of other tags are
   * history — a job removed from the config or renamed — that `chime status` no longer lists.
   */
  saveJobList?(tags: readonly string[]): Promise<void>;
}

/** In the state directory, beside the records: the jobs the service runs (a dot-name is no tag). */
export const JOB_LIST_FILE = ".jobs.json";

/** A file-system error as log fields: the code and the path it was about (the admin's next step). */
export function fsErrorFields(e: unknown): Record<string, string> {
  const err = e as NodeJS.ErrnoException;
  return { error: err.code ?? String(e), ...(typeof err.path === "string" ? { path: err.path } : {}) };
}

const STATUSES: ReadonlySet<string> = new Set(["ok", "warning", "critical", "unknown"]);

/** Fields that versions before 0.1 wrote in unix seconds, and their names now. */
const SECONDS_FIELDS = [
  ["handledThrough", "handledThroughMs"],
  ["nextRunAt", "nextRunAtMs"],
  ["plannedSlot", "plannedSlotMs"],
] as const;

/** Keeps only well-typed fields: a hand-edited or half-understood file must not crash us. */
function sanitizeRecord(tag: string, raw: unknown): RunRecord | null {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return null;
  const r = raw as Record<string, unknown>;
  const rec: RunRecord = { job: tag };
  const num = (k: keyof RunRecord) => (typeof r[k] === "number" && Number.isFinite(r[k]) ? (r[k] as number) : undefined);
  const str = (k: keyof RunRecord) => (typeof r[k] === "string" ? (r[k] as string) : undefined);
  for (const k of [
    "handledThroughMs",
    "lastStartMs",
    "lastEndMs",
    "lastRunEndMs",
    "runs",
    "lastAttempts",
    "nextRunAtMs",
    "plannedSlotMs",
    "splayOffsetMs",
    "pid",
    "failingSinceMs",
    "failureAlertMs",
    "skippedSlots",
    "catchUps",
    "missedSlots",
  ] as const) {
    const v = num(k);
    if (v !== undefined) rec[k] = v;
  }
  // a record written before every time was in milliseconds: read, and written back in the new shape
  for (const [seconds, ms] of SECONDS_FIELDS) {
    const v = r[seconds];
    if (rec[ms] === undefined && typeof v === "number" && Number.isFinite(v)) rec[ms] = v * 1000;
  }
  for (const k of ["schedule", "lastSummary", "lastReason"] as const) {
    const v = str(k);
    if (v !== undefined) rec[k] = v;
  }
  if (r["interrupted"] === true) rec.interrupted = true;
  const groups = Array.isArray(r["groups"]) ? r["groups"].map(sanitizeGroup).filter((g) => g !== null) : [];
  if (groups.length > 0) rec.groups = groups;
  const st = str("lastStatus");
  if (st !== undefined && STATUSES.has(st)) rec.lastStatus = st as JobStatus;
  return rec;
}

/** pgid > 1: never a signal to every process (-1) or to our own group (0) */
function sanitizeGroup(raw: unknown): OwnedGroup | null {
  if (typeof raw !== "object" || raw === null) return null;
  const g = raw as Record<string, unknown>;
  if (!Number.isSafeInteger(g["pgid"]) || (g["pgid"] as number) <= 1) return null;
  if (typeof g["spawnedMs"] !== "number" || !Number.isFinite(g["spawnedMs"])) return null;
  return {
    pgid: g["pgid"] as number,
    spawnedMs: g["spawnedMs"],
    ...(typeof g["started"] === "string" ? { started: g["started"] } : {}),
  };
}

export class FileStateStore implements StateStore {
  private madeDir = false;
  /** per tag, the last save: saves land in the order they were asked for, never interleaved */
  private readonly saving = new Map<string, Promise<void>>();
  /** every save and saveNow takes the next number; per tag, the number of the record on disk */
  private generation = 0;
  private readonly written = new Map<string, number>();

  constructor(readonly dir: string) {}

  /** a tag's file, joined once: a service saves every job's record several times at start */
  private readonly paths = new Map<string, string>();

  path(tag: string): string {
    let p = this.paths.get(tag);
    if (p === undefined) {
      p = join(this.dir, `${tag}.json`);
      this.paths.set(tag, p);
    }
    return p;
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

  save(tag: string, rec: RunRecord): Promise<void> {
    // the record as it is now: a run's group records change it while an earlier save is on disk
    const text = JSON.stringify(rec) + "\n";
    const generation = ++this.generation;
    const prev = this.saving.get(tag) ?? Promise.resolve();
    const next = prev
      .catch(() => {})
      .then(async () => {
        if (!this.madeDir) {
          await mkdir(this.dir, { recursive: true });
          this.madeDir = true;
        }
        // A saveNow while this one was on its way (a group recorded as it started, right
        // before a kill -9 may come) wrote a newer record: this older one must not land on it,
        // or the next chime would not know the group.
        let landed = false;
        await writeFileAtomic(this.path(tag), text, {
          landIf: () => (landed = (this.written.get(tag) ?? 0) < generation),
        });
        if (!landed) return;
        this.written.set(tag, generation);
      });
    this.saving.set(tag, next);
    return next;
  }

  saveNow(tag: string, rec: RunRecord): void {
    if (!this.madeDir) {
      mkdirSync(this.dir, { recursive: true });
      this.madeDir = true;
    }
    // guards against the death of chime, not of the machine (which takes the processes with
    // it): the page cache is enough, and an fsync would stall the event loop on a busy disk
    writeFileAtomicSync(this.path(tag), JSON.stringify(rec) + "\n", { fsync: false });
    this.written.set(tag, ++this.generation);
  }

  async saveJobList(tags: readonly string[]): Promise<void> {
    if (!this.madeDir) {
      await mkdir(this.dir, { recursive: true });
      this.madeDir = true;
    }
    await writeFileAtomic(join(this.dir, JOB_LIST_FILE), JSON.stringify({ jobs: [...tags].sort() }) + "\n");
  }

  /** The tags of the last saveJobList; undefined when none was saved (a chime before it). */
  async jobList(): Promise<string[] | undefined> {
    let text: string;
    try {
      text = await readRegularFile(join(this.dir, JOB_LIST_FILE));
    } catch {
      return undefined;
    }
    try {
      const doc = JSON.parse(text) as { jobs?: unknown };
      if (Array.isArray(doc.jobs) && doc.jobs.every((t) => typeof t === "string")) return doc.jobs as string[];
    } catch {
      // unreadable: list every record, as before the list existed
    }
    return undefined;
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
