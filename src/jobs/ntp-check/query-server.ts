import { createSocket } from "node:dgram";
import { randomBytes } from "node:crypto";
import { isIPv6 } from "node:net";
import { buildClientRequest } from "./packet.js";
import { ntpFromUnixMs, type NtpTimestamp } from "./ntp-timestamp.js";
import { checkReply, type IgnoredReason, type ReplyCheck, type ReplyLimits, type SentQuery } from "./validate-reply.js";

/** Our clock as an NTP timestamp. Injected so tests can pretend it is 2036. */
export type NtpClock = () => NtpTimestamp;

/**
 * performance.now() for sub-millisecond T1/T4 (Date.now() has a 1 ms grain), anchored
 * once to the wall clock via timeOrigin.
 */
export const systemNtpClock: NtpClock = () => ntpFromUnixMs(performance.timeOrigin + performance.now());

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
