import { mkdir, readFile } from "node:fs/promises";
import { isIP } from "node:net";
import { join } from "node:path";
import { writeFileAtomic } from "../atomic-file.js";
import { httpGet } from "../network/http-get.js";
import { NetworkReadError } from "../network/deadline.js";
import type { Problem } from "./judge-peers.js";

/**
 * --pool-score: the NTP pool's own judgement of the peers we use. The pool's monitors score
 * every member; below 10 a server is taken out of the pool's DNS — but a daemon that resolved
 * it earlier keeps using it until restarted (the leap-second incident: the broken server scored
 * -100). Its public API (www.ntppool.org/scores/IP/json, no key) answers
 *   { "history": [ { "ts": 1700000000, "offset": 0.0012, "step": 1, "score": 19.8, "monitor_id": null }, … ],
 *     "monitors": [ { "id": 24, "name": "recentmedian", "type": "score", "ts": "…", "score": 19.8, "status": "active" }, … ],
 *     "server": { "ip": "192.0.2.1" } }
 * and 404 for an address that is not a member. The current score is the "recentmedian" score
 * monitor's (the pool's main scorer), else the newest history entry's.
 *
 * Answers are cached in the job's state directory for --pool-interval, so a check every minute
 * asks the API once per peer per half hour; a 429 holds every query until its Retry-After. An
 * API that fails or answers garbage is an UNKNOWN note, never a change to the NTP verdict
 * beyond that; an older cached score is used meanwhile.
 */

export interface PoolScoreSettings {
  /** https://www.ntppool.org, or a mirror / a test server */
  readonly baseUrl: string;
  /** a cached answer younger than this is used as it is */
  readonly intervalMs: number;
  /** below this: WARNING */
  readonly warn: number;
  /** below this: CRITICAL */
  readonly crit: number;
  /** each query's deadline */
  readonly timeoutMs: number;
}

/** One address's answer, as cached. */
interface CachedScore {
  /** null: not a pool member (404) */
  readonly score: number | null;
  readonly fetchedMs: number;
}

interface PoolCache {
  scores: Record<string, CachedScore>;
  /** a 429's Retry-After: no query before this (POSIX ms) */
  holdUntilMs?: number;
}

export interface PeerPoolScore {
  readonly address: string;
  /** undefined: no answer (nor cached one) */
  readonly score?: number | null;
  /** the cached answer is older than the interval: the API failed this time */
  readonly stale?: boolean;
  /** why there is no fresh answer */
  readonly error?: string;
}

const CACHE_FILE = "pool-scores.json";
/** the JSON of one server's scores is a few KB; more is not an answer we read */
const MAX_ANSWER_BYTES = 256 * 1024;
/** a pool peer list is short; never more queries than this per check */
const MAX_QUERIES = 16;
/** a Retry-After longer than this is read as this: a bad header must not silence the check for ever */
const MAX_HOLD_MS = 24 * 3_600_000;

/** Why a score answer is not one, or the score (null: the address is not a member). */
export function scoreFromAnswer(status: number, body: Buffer): number | null | { error: string } {
  if (status === 404) return null;
  if (status !== 200) return { error: `HTTP ${status}` };
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString("utf8"));
  } catch {
    return { error: "not JSON" };
  }
  if (typeof doc !== "object" || doc === null) return { error: "no score in it" };
  const d = doc as { monitors?: unknown; history?: unknown };
  const num = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
  if (Array.isArray(d.monitors)) {
    const main = d.monitors.find(
      (m: unknown) =>
        typeof m === "object" && m !== null && (m as { name?: unknown }).name === "recentmedian" && num((m as { score?: unknown }).score),
    );
    if (main) return (main as { score: number }).score;
  }
  if (Array.isArray(d.history)) {
    let best: { ts: number; score: number } | undefined;
    for (const h of d.history as unknown[]) {
      if (typeof h !== "object" || h === null) continue;
      const { ts, score } = h as { ts?: unknown; score?: unknown };
      if (num(ts) && num(score) && (best === undefined || ts > best.ts)) best = { ts, score };
    }
    if (best) return best.score;
  }
  return { error: "no score in it" };
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
function retryAfterMs(header: string | string[] | undefined, nowMs: number): number | undefined {
  if (typeof header !== "string") return undefined;
  const t = header.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const at = Date.parse(t);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

async function loadCache(stateDir: string | null): Promise<PoolCache> {
  if (stateDir === null) return { scores: {} };
  try {
    const doc = JSON.parse(await readFile(join(stateDir, CACHE_FILE), "utf8")) as PoolCache;
    const scores: Record<string, CachedScore> = {};
    for (const [ip, c] of Object.entries(doc.scores ?? {})) {
      if (typeof c?.fetchedMs === "number" && (c.score === null || typeof c.score === "number"))
        scores[ip] = { score: c.score, fetchedMs: c.fetchedMs };
    }
    return { scores, ...(typeof doc.holdUntilMs === "number" ? { holdUntilMs: doc.holdUntilMs } : {}) };
  } catch {
    // none yet, or torn: ask again
    return { scores: {} };
  }
}

export interface PoolScoreRequest {
  readonly addresses: readonly string[];
  readonly settings: PoolScoreSettings;
  /** null: no state directory; remember nothing */
  readonly stateDir: string | null;
  readonly nowMs: number;
  readonly signal?: AbortSignal | undefined;
}

/** The score of each address: cached, or asked of the API (one at a time, each with its deadline). */
export async function poolScores(r: PoolScoreRequest): Promise<PeerPoolScore[]> {
  const { settings, nowMs } = r;
  const cache = await loadCache(r.stateDir);
  const out: PeerPoolScore[] = [];
  let asked = 0;
  let held =
    cache.holdUntilMs !== undefined && cache.holdUntilMs > nowMs
      ? `the pool API asked us to wait until ${new Date(cache.holdUntilMs).toISOString()}`
      : undefined;
  for (const address of r.addresses) {
    const cached = cache.scores[address];
    if (cached && nowMs - cached.fetchedMs < settings.intervalMs && cached.fetchedMs <= nowMs) {
      out.push({ address, score: cached.score });
      continue;
    }
    let error: string | undefined = isIP(address) === 0 ? "not an IP address" : held;
    if (error === undefined && asked >= MAX_QUERIES) error = `more than ${MAX_QUERIES} peers to look up; asked again next time`;
    if (error === undefined && r.signal?.aborted) error = "stopped";
    if (error === undefined) {
      asked++;
      // an IP address needs no escaping (isIP), and the pool's paths show IPv6 colons as they are
      const url = `${settings.baseUrl.replace(/\/+$/, "")}/scores/${address}/json?limit=1`;
      try {
        const reply = await httpGet({
          url,
          timeoutMs: settings.timeoutMs,
          maxBodyBytes: MAX_ANSWER_BYTES,
          signal: r.signal,
          headers: { accept: "application/json", "user-agent": "chime ntp-check" },
        });
        if (reply.status === 429) {
          const wait = Math.min(MAX_HOLD_MS, retryAfterMs(reply.headers["retry-after"], nowMs) ?? settings.intervalMs);
          cache.holdUntilMs = nowMs + wait;
          held = `the pool API asked us to wait until ${new Date(cache.holdUntilMs).toISOString()} (HTTP 429)`;
          error = held;
        } else {
          const s = scoreFromAnswer(reply.status, reply.body);
          if (typeof s === "object" && s !== null) error = `the pool API answered: ${s.error}`;
          else {
            cache.scores[address] = { score: s, fetchedMs: nowMs };
            out.push({ address, score: s });
            continue;
          }
        }
      } catch (e) {
        if (!(e instanceof NetworkReadError)) throw e;
        error =
          e.reason === "timeout"
            ? `the pool API gave no answer within ${settings.timeoutMs / 1000} s`
            : `the pool API could not be read (${e.reason})`;
      }
    }
    out.push(cached ? { address, score: cached.score, stale: true, error } : { address, error });
  }
  if (r.stateDir !== null) {
    await mkdir(r.stateDir, { recursive: true });
    await writeFileAtomic(join(r.stateDir, CACHE_FILE), JSON.stringify(cache) + "\n");
  }
  return out;
}

function scoreText(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}

/**
 * The verdicts: a member scoring below --pool-crit is CRITICAL, below --pool-warn a WARNING,
 * each naming the peer; no answer at all is an UNKNOWN note. `label` names a peer as the
 * other verdicts do.
 */
export function poolProblems(scores: readonly PeerPoolScore[], s: PoolScoreSettings, label: (address: string) => string): Problem[] {
  const problems: Problem[] = [];
  for (const p of scores) {
    const who = label(p.address);
    if (typeof p.score === "number") {
      if (p.score < s.crit)
        problems.push({
          severity: "critical",
          text: `peer ${who} pool score ${scoreText(p.score)} (below ${scoreText(s.crit)}; the pool has dropped it)`,
        });
      else if (p.score < s.warn)
        problems.push({
          severity: "warning",
          text: `peer ${who} pool score ${scoreText(p.score)} (below ${scoreText(s.warn)}; the pool no longer hands it out)`,
        });
    } else if (p.score === undefined) {
      problems.push({ severity: "unknown", text: `pool score of ${who} unknown: ${p.error ?? "no answer"}` });
    }
  }
  return problems;
}

/** For the log and the verbose table: one line per peer. */
export function poolScoreLine(p: PeerPoolScore, label: string): string {
  const what =
    p.score === null
      ? "not a pool member"
      : typeof p.score === "number"
        ? `score ${scoreText(p.score)}`
        : `unknown (${p.error ?? "no answer"})`;
  return `pool ${label}: ${what}${p.stale ? ` (cached; ${p.error})` : ""}`;
}
