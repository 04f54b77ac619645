import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { writeFileAtomic } from "../atomic-file.js";
import { isGzip } from "../asn/db-source.js";
import { IpToAsnTable, TableFormatError } from "../asn/iptoasn-table.js";
import type { JobContext, JobResult } from "../job.js";
import { httpGet, urlForMessages, type HttpGet, type HttpReply, type Validators } from "../network/http-get.js";
import { NetworkReadError } from "../network/deadline.js";
import { readRegularFile } from "../regular-file.js";
import { join } from "node:path";

export interface AsnDbConfig {
  readonly url: string;
  readonly out: string;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /** percent */
  readonly maxShrink: number;
  readonly minRanges: number;
}

/** What the job remembers between runs: the validators of the table in place. */
interface DbState {
  readonly url: string;
  readonly etag?: string | undefined;
  readonly lastModified?: string | undefined;
}

const STATE_FILE = "asn-db.json";

async function loadState(stateDir: string): Promise<DbState | null> {
  if (stateDir === "") return null;
  try {
    const s = JSON.parse(await readRegularFile(join(stateDir, STATE_FILE))) as DbState;
    return typeof s.url === "string" ? s : null;
  } catch {
    return null;
  }
}

/**
 * Ranges of the table in place, counted from our own file (its non-empty lines: we wrote it only
 * after it parsed completely); null when there is none.
 */
async function rangesInPlace(path: string): Promise<number | null> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch {
    // no table yet, or one we cannot read: nothing to compare against
    return null;
  }
  let lines = 0;
  for (let i = 0; i < data.length; i++) if (data[i] === 10 && i > 0 && data[i - 1] !== 10) lines++;
  if (data.length > 0 && data[data.length - 1] !== 10) lines++;
  return lines;
}

/**
 * One refresh: a conditional GET (If-None-Match / If-Modified-Since from the last good
 * download, and only while the file they describe is still there), gunzip if the body is gzip,
 * then the guards — the whole text must parse as a table of at least --min-ranges ranges and must
 * not shrink by more than --max-shrink against the table in place, counted locally. Only then is
 * the file replaced (exclusive temporary file, fsync, rename): a reader sees the old table or the
 * new, never a torn one, and a truncated download never replaces a good table.
 */
export async function refreshTable(
  cfg: AsnDbConfig,
  ctx: JobContext,
  get: (o: HttpGet) => Promise<HttpReply> = httpGet,
): Promise<JobResult> {
  const shown = urlForMessages(cfg.url);
  const state = await loadState(ctx.stateDir);
  const before = await rangesInPlace(cfg.out);
  const validators: Validators | undefined =
    state !== null && state.url === cfg.url && before !== null ? { etag: state.etag, lastModified: state.lastModified } : undefined;
  let reply: HttpReply;
  try {
    reply = await get({ url: cfg.url, timeoutMs: cfg.timeoutMs, signal: ctx.signal, maxBodyBytes: cfg.maxBytes, validators });
  } catch (err) {
    if (err instanceof NetworkReadError)
      return { status: "warning", summary: `table not refreshed, ${before ?? "no"} ranges in place: ${err.message}` };
    throw err;
  }
  if (reply.status === 304)
    return { status: "ok", summary: `${shown} not modified: ${before} ranges in place`, metrics: { ranges: before ?? 0, updated: 0 } };
  if (reply.status !== 200) return { status: "warning", summary: `table not refreshed: GET ${shown}: HTTP ${reply.status}` };

  let data: Buffer = reply.body;
  if (isGzip(data)) {
    try {
      data = gunzipSync(data, { maxOutputLength: cfg.maxBytes });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why =
        e.code === "ERR_BUFFER_TOO_LARGE"
          ? `larger than ${cfg.maxBytes} bytes decompressed`
          : `not a complete gzip file (${e.code ?? e.message})`;
      return { status: "critical", summary: `refused the download from ${shown}: ${why}; the table in place is kept` };
    }
  }
  const text = data.toString("utf8");
  let ranges: number;
  try {
    const size = IpToAsnTable.parse(text, shown).size;
    ranges = size.v4 + size.v6;
  } catch (err) {
    if (!(err instanceof TableFormatError)) throw err;
    return { status: "critical", summary: `refused the download: ${err.message}; the table in place is kept` };
  }
  // A download cut short at a line boundary still parses: the counts catch it.
  if (ranges < cfg.minRanges) {
    return {
      status: "critical",
      summary: `refused the download from ${shown}: ${ranges} ranges, fewer than --min-ranges ${cfg.minRanges}; the table in place is kept`,
    };
  }
  if (before !== null && ranges < before * (1 - cfg.maxShrink / 100)) {
    return {
      status: "critical",
      summary: `refused the download from ${shown}: ${ranges} ranges against ${before} in place, a shrink of more than ${cfg.maxShrink}%; the table in place is kept`,
    };
  }
  await writeFileAtomic(cfg.out, text);
  if (ctx.stateDir !== "") {
    try {
      await writeFileAtomic(
        join(ctx.stateDir, STATE_FILE),
        JSON.stringify({ url: cfg.url, etag: reply.validators.etag, lastModified: reply.validators.lastModified }) + "\n",
      );
    } catch (err) {
      ctx.log.warn(`cannot save the validators in ${ctx.stateDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  return {
    status: "ok",
    summary: `${cfg.out} updated from ${shown}: ${ranges} ranges (was ${before ?? "none"})`,
    metrics: { ranges, updated: 1 },
  };
}
