import { writeFileAtomic } from "../atomic-file.js";
import { readRegularFile } from "../regular-file.js";
import type { AsDescription, AsnAnswer, NotFound } from "./asn-answer.js";

/**
 * Answers remembered in the state directory, each until its time to live runs out, so an
 * hourly ntp-check or a re-run of a bulk lookup asks nobody again. Team Cymru rebuilds its data
 * from BGP every 4 hours: an answer older than that may be stale. A "not found" is kept for less,
 * since a new announcement should show soon. Failures are never cached.
 */
export interface CacheTtls {
  readonly answerMs: number;
  readonly notFoundMs: number;
}

export const DEFAULT_TTLS: CacheTtls = { answerMs: 4 * 3_600_000, notFoundMs: 3_600_000 };

/** Enough for a large bulk lookup; the oldest entries go first beyond it. */
const MAX_ENTRIES = 200_000;
const MAX_FILE_BYTES = 128 << 20;
export const CACHE_FILE = "asn-cache.json";

type Cached = AsnAnswer | NotFound | AsDescription;
interface Entry {
  /** when the answer was received, ms */
  readonly at: number;
  readonly value: Cached;
}

const KINDS = new Set(["answer", "not-found", "as"]);

export class AsnCache {
  private dirty = false;

  private constructor(
    private readonly path: string | null,
    private readonly entries: Map<string, Entry>,
    private readonly nowMs: () => number,
    private readonly ttls: CacheTtls,
  ) {}

  /**
   * The cache in `path` (null: in memory only). An unreadable or garbled file starts an empty
   * cache: it only ever saves queries, never decides an answer.
   */
  static async open(path: string | null, nowMs: () => number = Date.now, ttls: CacheTtls = DEFAULT_TTLS): Promise<AsnCache> {
    const entries = new Map<string, Entry>();
    if (path !== null) {
      try {
        const doc = JSON.parse(await readRegularFile(path, { maxBytes: MAX_FILE_BYTES })) as { version?: unknown; entries?: unknown };
        if (doc.version === 1 && typeof doc.entries === "object" && doc.entries !== null) {
          for (const [k, e] of Object.entries(doc.entries as Record<string, Entry>)) {
            if (typeof e?.at === "number" && KINDS.has((e.value as { kind?: string })?.kind ?? "")) entries.set(k, e);
          }
        }
      } catch {
        // no cache yet, or not one we can read: start empty
      }
    }
    return new AsnCache(path, entries, nowMs, ttls);
  }

  /** The TTL is applied when reading, so a shorter --cache-ttl takes effect on answers already kept. */
  private fresh(e: Entry, now: number): boolean {
    const ttl = e.value.kind === "not-found" ? this.ttls.notFoundMs : this.ttls.answerMs;
    // an answer "from the future" (the clock was stepped back) is not trusted either
    return now - e.at < ttl && e.at <= now + 60_000;
  }

  private get(key: string): Cached | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (!this.fresh(e, this.nowMs())) {
      this.entries.delete(key);
      this.dirty = true;
      return undefined;
    }
    return e.value;
  }

  private put(key: string, value: Cached): void {
    this.entries.delete(key);
    this.entries.set(key, { at: this.nowMs(), value });
    this.dirty = true;
  }

  address(text: string): AsnAnswer | NotFound | undefined {
    const v = this.get(`ip ${text}`);
    return v?.kind === "answer" || v?.kind === "not-found" ? v : undefined;
  }

  putAddress(r: AsnAnswer | NotFound): void {
    this.put(`ip ${r.address}`, r);
  }

  as(asn: number): AsDescription | undefined {
    const v = this.get(`as ${asn}`);
    return v?.kind === "as" ? v : undefined;
  }

  putAs(d: AsDescription): void {
    this.put(`as ${d.asn}`, d);
  }

  /** Writes the cache if anything changed (exclusive temporary file, rename). */
  async save(): Promise<void> {
    if (this.path === null || !this.dirty) return;
    const now = this.nowMs();
    const live = [...this.entries].filter(([, e]) => this.fresh(e, now)).slice(-MAX_ENTRIES);
    await writeFileAtomic(this.path, JSON.stringify({ version: 1, entries: Object.fromEntries(live) }), { fsync: false });
    this.dirty = false;
  }
}
