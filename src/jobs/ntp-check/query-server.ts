import { createSocket } from "node:dgram";
import { randomBytes } from "node:crypto";
import { isIPv6 } from "node:net";
import { buildClientRequest } from "./packet.js";
import { ntpFromUnixMs, type NtpTimestamp } from "./ntp-timestamp.js";
import { checkReply, type IgnoredReason, type ReplyCheck, type ReplyLimits, type SentQuery } from "./validate-reply.js";

/** Our clock as an NTP timestamp. Injected so tests can pretend it is 2036. */
export type NtpClock = () => NtpTimestamp;

/** Wall and monotonic time in ms, the two sources a clock is made from; injected in tests. */
export interface TimeSources {
  /** POSIX ms with a 1 ms grain, follows steps of the system clock (Date.now) */
  readonly wallMs: () => number;
  /** fine-grained, never stepped (performance.now) */
  readonly monoMs: () => number;
  /** first guess of wall − mono (performance.timeOrigin) */
  readonly anchorMs: number;
}

const systemSources: TimeSources = { wallMs: () => Date.now(), monoMs: () => performance.now(), anchorMs: performance.timeOrigin };

/**
 * Sub-millisecond wall-clock time: the monotonic clock plus an anchor (Date.now() alone has a
 * 1 ms grain). The anchor is re-taken whenever the wall clock has been stepped away from it:
 * a service runs for months, and a step — the very fix of the incident, restarting the NTP
 * daemon with -s — would otherwise leave every later offset measured against the old time.
 */
export function steppedWallClock(src: TimeSources = systemSources): NtpClock {
  let anchor = src.anchorMs;
  const reanchor = (): void => {
    // Wait for the wall clock to tick over: at that instant it is exact to well under 1 ms.
    const start = src.wallMs();
    let wall = start;
    let mono = src.monoMs();
    for (let i = 0; i < 1_000_000 && wall === start; i++) {
      wall = src.wallMs();
      mono = src.monoMs();
    }
    anchor = wall - mono;
  };
  return () => {
    const mono = src.monoMs();
    // A true anchor puts us inside [wall, wall + 1); allow the grain and a little scheduling.
    if (Math.abs(anchor + mono - (src.wallMs() + 0.5)) > 1.5) reanchor();
    return ntpFromUnixMs(anchor + mono);
  };
}

export const systemNtpClock: NtpClock = steppedWallClock();

export function randomNonce(): NtpTimestamp {
  return randomBytes(8).readBigUInt64BE(0);
}

export interface QueryOptions {
  readonly timeoutMs: number;
  readonly limits: ReplyLimits;
  readonly clock: NtpClock;
  readonly version?: number;
  readonly nonce?: () => NtpTimestamp;
  readonly signal?: AbortSignal;
}

export type QueryOutcome =
  | Extract<ReplyCheck, { kind: "sample" | "rejected" }>
  | { readonly kind: "timeout"; readonly detail: string; readonly ignored: readonly { reason: IgnoredReason; detail: string }[] };

/**
 * One request on its own socket. Replies that are not ours (other source, too short to
 * check, wrong origin) are dropped and we keep listening until the timeout, so a spoofer
 * that answers first cannot win; the first reply that passes the origin check decides.
 */
export function queryServer(address: string, port: number, opts: QueryOptions): Promise<QueryOutcome> {
  const version = opts.version ?? 4;
  const nonce = (opts.nonce ?? randomNonce)();
  return new Promise((resolve) => {
    const socket = createSocket(isIPv6(address) ? "udp6" : "udp4");
    const ignored: { reason: IgnoredReason; detail: string }[] = [];
    let done = false;
    let t1: NtpTimestamp = 0n;
    const finish = (outcome: QueryOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      socket.close();
      resolve(outcome);
    };
    const timeout = (detail: string): void => finish({ kind: "timeout", detail, ignored });
    const onAbort = (): void => timeout("aborted");
    const timer = setTimeout(() => timeout(`no reply within ${opts.timeoutMs} ms`), opts.timeoutMs);
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    socket.on("error", (err) => timeout(`socket error: ${err.message}`));
    socket.on("message", (bytes, rinfo) => {
      const t4 = opts.clock();
      const sent: SentQuery = { address, port, version, nonce, t1 };
      const check = checkReply(sent, { bytes, address: rinfo.address, port: rinfo.port, t4 }, opts.limits);
      if (check.kind === "ignored") {
        if (ignored.length < 16) ignored.push({ reason: check.reason, detail: check.detail });
        return;
      }
      finish(check);
    });
    const request = buildClientRequest(nonce, version);
    // Bind first: an implicit bind inside send() would fall between T1 and the packet
    // leaving and show up as delay (and half of it as offset).
    socket.bind(0, () => {
      if (done) return;
      t1 = opts.clock();
      socket.send(request, port, address, (err) => {
        if (err) timeout(`send failed: ${err.message}`);
      });
    });
  });
}
