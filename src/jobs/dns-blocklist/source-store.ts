import { memoryFor } from "./helper-jobs.js";
import { createHash } from "node:crypto";
import { access, mkdir, open, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { unlinkQuietlyAsync, writeFileAtomic } from "../atomic-file.js";
import type { Validators } from "../network/http-get.js";

const PIECE = 1024 * 1024;

/**
 * The last good copy of each source, in the job's state directory: `sources/KEY.list` (the
 * text as it was downloaded or read) and `sources/KEY.json` (when, its digest, and the
 * validators for the next conditional request). KEY is a digest of the source as the user
 * wrote it, so a token in a URL never becomes a file name.
 */
export interface SourceRecord {
  /** the source as it may be shown (a URL without secrets) */
  shown: string;
  /** when the copy was last confirmed current (downloaded, a 304, or the file read), in seconds */
  confirmedAt: number;
  /** sha-256 of the text, hex */
  sha256: string;
  validators: Validators;
}

export function sourceKey(source: string): string {
  return createHash("sha256").update(source).digest("hex").slice(0, 24);
}

export function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export class SourceStore {
  private readonly dir: string;
  constructor(stateDir: string) {
    this.dir = join(stateDir, "sources");
  }

  async record(source: string): Promise<SourceRecord | undefined> {
    try {
      return JSON.parse(await readFile(join(this.dir, `${sourceKey(source)}.json`), "utf8")) as SourceRecord;
    } catch {
      // none yet, or unreadable: the source is fetched without validators
      return undefined;
    }
  }

  async text(source: string): Promise<string | undefined> {
    try {
      return await readFile(join(this.dir, `${sourceKey(source)}.list`), "utf8");
    } catch {
      return undefined;
    }
  }

  /**
   * The copy, as byte pieces: a list is parsed as it is read, never held whole, and its common
   * lines never become strings (ListParser). Each piece is valid only until the next is asked
   * for (ListParser.push copies what it keeps). Two buffers, allocated once, take turns: the
   * next piece is read (a thread-pool job) while this one is parsed. Pieces of their own were
   * garbage that only a collection freed: 64 KiB stream chunks raised the peak RSS of a 29 MB
   * list from 105 to 115–130 MB. 1 MiB a read: each read is one trip to the thread pool.
   * `shared`: the buffers are on shared memory, for a helper thread to read a piece where it is
   * (helper-thread.ts).
   */
  async *pieces(source: string, shared = false): AsyncGenerator<Uint8Array> {
    const file = await open(join(this.dir, `${sourceKey(source)}.list`), "r");
    const buffers = [Buffer.from(memoryFor(PIECE, shared)), Buffer.from(memoryFor(PIECE, shared))];
    let turn = 0;
    let reading = file.read(buffers[0]!, 0, PIECE, null);
    try {
      for (;;) {
        const { bytesRead } = await reading;
        if (bytesRead === 0) return;
        const piece = buffers[turn]!.subarray(0, bytesRead);
        turn ^= 1;
        // one read in flight at a time, so the file position moves in order
        reading = file.read(buffers[turn]!, 0, PIECE, null);
        // a failure is seen where it is awaited; until then it must not count as unhandled
        reading.catch(() => {});
        yield piece;
      }
    } finally {
      // the consumer may stop early (or fail): the read under way ends before the file closes
      await reading.catch(() => {});
      await file.close();
    }
  }

  /** Whether a copy is there, without reading it (the validators are worth sending only then). */
  async hasCopy(source: string): Promise<boolean> {
    return access(join(this.dir, `${sourceKey(source)}.list`)).then(
      () => true,
      () => false,
    );
  }

  /** The copy first, then its record: a record never describes a copy that is not there. */
  async save(source: string, text: string | undefined, record: SourceRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const key = sourceKey(source);
    if (text !== undefined) await writeFileAtomic(join(this.dir, `${key}.list`), text, { mode: 0o600 });
    await writeFileAtomic(join(this.dir, `${key}.json`), `${JSON.stringify(record)}\n`, { mode: 0o600 });
  }

  /** Removes the copies of sources no longer configured, so the state does not grow for ever. */
  async forgetAllBut(sources: readonly string[]): Promise<void> {
    const keep = new Set(sources.map(sourceKey));
    let files: string[];
    try {
      files = await readdir(this.dir);
    } catch {
      return;
    }
    for (const f of files) {
      const m = /^([0-9a-f]{24})\.(?:list|json)$/.exec(f);
      if (m && !keep.has(m[1]!)) await unlinkQuietlyAsync(join(this.dir, f));
    }
  }
}
