import { MODE_SERVER, formatRefId, parseNtpHeader, refIdAscii, serverText, type NtpHeader } from "./packet.js";
import { ntpDiffSeconds, type NtpTimestamp } from "./ntp-timestamp.js";

/**
 * Checks one reply against what we sent, in the order of docs/ntp-check.md (RFC 4330 §5, RFC 5905 §8, OpenNTPD's checks);
 * the first failure wins and names itself. Pure: all times are parameters.
 */
export interface SentQuery {
  readonly address: string;
  readonly port: number;
  readonly version: number;
  /** the exact 64 bits we put in the transmit field */
  readonly nonce: NtpTimestamp;
  /** our clock when the request left */
  readonly t1: NtpTimestamp;
}

export interface ReceivedReply {
  readonly bytes: Uint8Array;
  readonly address: string;
  readonly port: number;
  /** our clock when the reply arrived */
  readonly t4: NtpTimestamp;
}

export interface ReplyLimits {
  /** seconds; root delay / 2 + root dispersion above this is refused */
  readonly maxRootDistance: number;
  /** seconds; round-trip delay above this is refused */
  readonly maxDelay: number;
}

export const defaultReplyLimits: ReplyLimits = { maxRootDistance: 1.5, maxDelay: 1 };

export interface NtpSample {
  readonly leap: 0 | 1 | 2;
  readonly version: number;
  readonly stratum: number;
  readonly poll: number;
  readonly precision: number;
  readonly rootDelay: number;
  readonly rootDispersion: number;
  readonly rootDistance: number;
  readonly refId: string;
  /** seconds from the server's last clock update (reference timestamp) to its transmit, null if it sent 0 */
  readonly referenceAge: number | null;
  /** θ in seconds: > 0 means the server is ahead of us (our clock is slow) */
  readonly offset: number;
  /** δ in seconds: round trip minus the server's hold time */
  readonly delay: number;
}

/** Replies we drop and keep waiting for the real one: anybody could have sent them. */
export type IgnoredReason = "wrong-source" | "short" | "bogus-origin";

export type RejectReason =
  | "bad-mode"
  | "bad-version"
  | "zero-transmit"
  | "kiss-of-death"
  | "unsynchronised"
  | "bad-stratum"
  | "bad-root-distance"
  | "bad-server-times"
  | "negative-delay"
  | "absurd-delay";

export type ReplyCheck =
  | { readonly kind: "sample"; readonly sample: NtpSample }
  | { readonly kind: "ignored"; readonly reason: IgnoredReason; readonly detail: string }
  | {
      readonly kind: "rejected";
      readonly reason: RejectReason;
      readonly detail: string;
      readonly kissCode?: string;
      readonly header: NtpHeader;
    };

function ms(seconds: number): string {
  return `${(seconds * 1000).toFixed(3)} ms`;
}

export function checkReply(sent: SentQuery, reply: ReceivedReply, limits: ReplyLimits = defaultReplyLimits): ReplyCheck {
  if (reply.address !== sent.address || reply.port !== sent.port) {
    return {
      kind: "ignored",
      reason: "wrong-source",
      detail: `reply from ${reply.address} port ${reply.port}, asked ${sent.address} port ${sent.port}`,
    };
  }
  const h = parseNtpHeader(reply.bytes);
  if (h === null) {
    return { kind: "ignored", reason: "short", detail: `short packet: ${reply.bytes.length} bytes, need 48` };
  }
  if (h.origin !== sent.nonce) {
    return { kind: "ignored", reason: "bogus-origin", detail: "origin timestamp does not match our transmit nonce" };
  }
  const reject = (reason: RejectReason, detail: string, kissCode?: string): ReplyCheck =>
    kissCode === undefined ? { kind: "rejected", reason, detail, header: h } : { kind: "rejected", reason, detail, kissCode, header: h };
  if (h.mode !== MODE_SERVER) return reject("bad-mode", `mode ${h.mode}, expected 4 (server)`);
  if (h.version !== sent.version) return reject("bad-version", `version ${h.version}, sent ${sent.version}`);
  if (h.transmit === 0n) return reject("zero-transmit", "transmit timestamp is zero");
  if (h.stratum === 0) {
    const code = refIdAscii(h.refId);
    if (code !== null) return reject("kiss-of-death", `kiss-o'-death ${serverText(code)}`, code);
    // chrony's way of saying "not synchronised": stratum 0, refid 0, LI 3. An ntpd that lost
    // its sources sends the same (its stratum 16 goes out as 0, RFC 5905 §7.3) but keeps its
    // last upstream address as refid: LI=3 says unsynchronised either way.
    if (h.leap === 3) return reject("unsynchronised", "unsynchronised (LI=3, stratum 0)");
    return reject("bad-stratum", "stratum 0 without a kiss code");
  }
  if (h.leap === 3) return reject("unsynchronised", `unsynchronised (LI=3, stratum ${h.stratum})`);
  if (h.stratum > 15) return reject("bad-stratum", `stratum ${h.stratum} (16 and above: unsynchronised or reserved)`);
  const rootDistance = h.rootDelay / 2 + h.rootDispersion;
  if (rootDistance > limits.maxRootDistance) {
    return reject("bad-root-distance", `root distance ${ms(rootDistance)} > ${ms(limits.maxRootDistance)}`);
  }
  const hold = ntpDiffSeconds(h.transmit, h.receive);
  if (h.receive === 0n || hold < 0) {
    return reject(
      "bad-server-times",
      h.receive === 0n ? "receive timestamp is zero" : `server transmit is ${ms(-hold)} before its receive`,
    );
  }
  const t2 = h.receive;
  const t3 = h.transmit;
  const delay = ntpDiffSeconds(reply.t4, sent.t1) - hold;
  if (delay < 0) return reject("negative-delay", `negative delay ${ms(delay)}`);
  if (delay > limits.maxDelay) return reject("absurd-delay", `delay ${ms(delay)} > ${ms(limits.maxDelay)}`);
  const offset = (ntpDiffSeconds(t2, sent.t1) + ntpDiffSeconds(t3, reply.t4)) / 2;
  return {
    kind: "sample",
    sample: {
      leap: h.leap,
      version: h.version,
      stratum: h.stratum,
      poll: h.poll,
      precision: h.precision,
      rootDelay: h.rootDelay,
      rootDispersion: h.rootDispersion,
      rootDistance,
      refId: formatRefId(h.stratum, h.refId),
      // Both on the server's clock: our own clock may be the one that is days off.
      referenceAge: h.reference === 0n ? null : ntpDiffSeconds(t3, h.reference),
      offset,
      delay,
    },
  };
}
