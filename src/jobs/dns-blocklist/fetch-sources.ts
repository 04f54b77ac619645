import { httpGet, urlForMessages } from "../network/http-get.js";
import { NetworkReadError } from "../network/deadline.js";
import { readRegularFile } from "../regular-file.js";
import { redactText } from "../../log/redact.js";
import { digest, type SourceRecord, type SourceStore } from "./source-store.js";

/**
 * Step 1 of a run: every source, downloaded (conditionally) or read. A source that fails keeps
 * its last good copy; what the server said never decides whether a copy is kept — a 200 with
 * a body replaces it, anything else leaves it alone, and the guards judge the result later.
 */
export interface FetchLimits {
  timeoutMs: number;
  maxSizeBytes: number;
  maxRedirects: number;
  signal?: AbortSignal | undefined;
  /** seconds since the epoch */
  nowSeconds: number;
}

export interface FetchedSource {
  source: string;
  /** for logs and output: no user info, no secret-looking query values */
  shown: string;
  /** the host of a URL source (never to be blocked), else undefined */
  host: string | undefined;
  /** fresh: new text; unchanged: a 304 or the same text; failed: `error` says why */
  state: "fresh" | "unchanged" | "failed";
  error?: string;
  /**
   * the size in bytes of the text to use (new, or the last good copy), which is in the source
   * store, read from there when the list is built; undefined: failed with no copy ever
   */
  bytes: number | undefined;
  sha256: string | undefined;
  /** when the text in use was last confirmed current (seconds), if ever */
  confirmedAt: number | undefined;
}

export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

export function shownSource(source: string): string {
  return isUrl(source) ? urlForMessages(source) : redactText(source);
}

export async function fetchSources(sources: readonly string[], store: SourceStore, limits: FetchLimits): Promise<FetchedSource[]> {
  return Promise.all(sources.map((s) => fetchOne(s, store, limits)));
}

async function fetchOne(source: string, store: SourceStore, limits: FetchLimits): Promise<FetchedSource> {
  const shown = shownSource(source);
  const host = isUrl(source) ? new URL(source).hostname.replace(/^\[|\]$/g, "").toLowerCase() : undefined;
  const before = await store.record(source);
  const lastGood = async (state: "unchanged" | "failed", error?: string): Promise<FetchedSource> => {
    const text = before ? await store.text(source) : undefined;
    const ok = text !== undefined && before !== undefined && digest(text) === before.sha256;
    return {
      source,
      shown,
      host,
      state: ok || state === "failed" ? state : "failed",
      ...(error !== undefined ? { error } : !ok ? { error: "the last good copy is missing" } : {}),
      bytes: ok ? Buffer.byteLength(text) : undefined,
      sha256: ok ? before.sha256 : undefined,
      confirmedAt: ok ? before.confirmedAt : undefined,
    };
  };
  const fresh = async (text: string, validators: SourceRecord["validators"]): Promise<FetchedSource> => {
    const sha256 = digest(text);
    const record: SourceRecord = { shown, confirmedAt: limits.nowSeconds, sha256, validators };
    // an identical text is not written again: the 304-less server costs no disk writes
    await store.save(source, before?.sha256 === sha256 ? undefined : text, record);
    return {
      source,
      shown,
      host,
      state: before?.sha256 === sha256 ? "unchanged" : "fresh",
      bytes: Buffer.byteLength(text),
      sha256,
      confirmedAt: limits.nowSeconds,
    };
  };

  if (!isUrl(source)) {
    try {
      return await fresh(await readRegularFile(source, { maxBytes: limits.maxSizeBytes, followLinks: true }), {});
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      return lastGood(
        "failed",
        `cannot read ${shown}: ${err.code === "ENOTREG" || err.code === "EFBIG" ? err.message : (err.code ?? err.message)}`,
      );
    }
  }
  try {
    const reply = await httpGet({
      url: source,
      timeoutMs: limits.timeoutMs,
      signal: limits.signal,
      maxBodyBytes: limits.maxSizeBytes,
      maxRedirects: limits.maxRedirects,
      // validators only for a copy we still hold: a 304 must have something to stand for
      validators: before && (await store.hasCopy(source)) ? before.validators : undefined,
    });
    if (reply.status === 304) {
      const kept = await lastGood("unchanged");
      if (kept.state === "unchanged" && before) {
        await store.save(source, undefined, { ...before, confirmedAt: limits.nowSeconds });
        return { ...kept, confirmedAt: limits.nowSeconds };
      }
      return kept;
    }
    if (reply.status !== 200) return lastGood("failed", `GET ${shown}: HTTP status ${reply.status}`);
    const text = decodeText(reply.body);
    if (text === undefined) return lastGood("failed", `GET ${shown}: the answer is not text (a NUL byte or invalid UTF-8)`);
    return await fresh(text, reply.validators);
  } catch (e) {
    if (e instanceof NetworkReadError) return lastGood("failed", redactText(e.message));
    if (e instanceof Error && /Invalid URL/i.test(e.message)) return lastGood("failed", `not a URL: ${shown}`);
    throw e;
  }
}

/** UTF-8 text, or undefined for a binary answer (an HTML error page is text; the parsers count it invalid). */
function decodeText(body: Buffer): string | undefined {
  if (body.includes(0)) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    return undefined;
  }
}
