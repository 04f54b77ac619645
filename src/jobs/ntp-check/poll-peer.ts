import { queryServer, type NtpClock } from "./query-server.js";
import type { NtpTimestamp } from "./ntp-timestamp.js";
import type { NtpSample, ReplyLimits } from "./validate-reply.js";

/** One address to poll; a server name that resolves to several addresses gives several peers. */
export interface Peer {
  /** what the user wrote, e.g. "pool.example.org:123" */
  readonly server: string;
  readonly address: string;
  readonly port: number;
}

export function peerLabel(p: Peer): string {
  const host = p.address.includes(":") ? `[${p.address}]` : p.address;
  return p.port === 123 ? host : `${host}:${p.port}`;
}

export interface SampleFailure {
  readonly reason: string;
  readonly detail: string;
  readonly kissCode?: string;
  readonly leap?: number;
  readonly stratum?: number;
}

export interface PeerPoll {
  readonly peer: Peer;
  readonly samples: readonly NtpSample[];
  /** the minimum-delay sample (clock-filter idea): least disturbed by queueing */
  readonly best: NtpSample | null;
  /** seconds: RMS of the other samples' offsets around the best one */
  readonly jitter: number;
  readonly failures: readonly SampleFailure[];
  /** set when a kiss-o'-death told us to stop (DENY, RSTR) or slow down (RATE) */
  readonly kissCode?: string;
}

export interface PollOptions {
  readonly samples: number;
  /** minimum time between two requests to the same peer */
  readonly spacingMs: number;
  readonly timeoutMs: number;
  readonly limits: ReplyLimits;
  readonly clock: NtpClock;
  readonly nonce?: () => NtpTimestamp;
  readonly signal?: AbortSignal;
}

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Codes after which we must not send again this poll (RFC 5905 §7.4; RATE: back off). */
const STOP_CODES = new Set(["DENY", "RSTR", "RATE"]);

export async function pollPeer(peer: Peer, opts: PollOptions): Promise<PeerPoll> {
  const samples: NtpSample[] = [];
  const failures: SampleFailure[] = [];
  let kissCode: string | undefined;
  for (let i = 0; i < opts.samples && !opts.signal?.aborted; i++) {
    const started = performance.now();
    const queryOpts = { timeoutMs: opts.timeoutMs, limits: opts.limits, clock: opts.clock };
    const outcome = await queryServer(peer.address, peer.port, {
      ...queryOpts,
      ...(opts.nonce ? { nonce: opts.nonce } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (outcome.kind === "sample") {
      samples.push(outcome.sample);
    } else if (outcome.kind === "rejected") {
      const f: SampleFailure = {
        reason: outcome.reason,
        detail: outcome.detail,
        leap: outcome.header.leap,
        stratum: outcome.header.stratum,
      };
      failures.push(outcome.kissCode === undefined ? f : { ...f, kissCode: outcome.kissCode });
      if (outcome.kissCode !== undefined && STOP_CODES.has(outcome.kissCode)) {
        kissCode = outcome.kissCode;
        break;
      }
    } else {
      // A timeout after ignored replies says more than "timeout": name what was ignored.
      const last = outcome.ignored.at(-1);
      failures.push(
        last ? { reason: last.reason, detail: `${last.detail} (no valid reply)` } : { reason: "timeout", detail: outcome.detail },
      );
    }
    if (i + 1 < opts.samples) await wait(opts.spacingMs - (performance.now() - started), opts.signal);
  }
  let best: NtpSample | null = null;
  for (const s of samples) if (best === null || s.delay < best.delay) best = s;
  let jitter = 0;
  if (best !== null && samples.length > 1) {
    const b = best;
    const sq = samples.filter((s) => s !== b).reduce((acc, s) => acc + (s.offset - b.offset) ** 2, 0);
    jitter = Math.sqrt(sq / (samples.length - 1));
  }
  const base = { peer, samples, best, jitter, failures };
  return kissCode === undefined ? base : { ...base, kissCode };
}

/** Every peer at once: the wall time of a poll is that of the slowest peer, not the sum. */
export function pollPeers(peers: readonly Peer[], opts: PollOptions): Promise<PeerPoll[]> {
  return Promise.all(peers.map((p) => pollPeer(p, opts)));
}
