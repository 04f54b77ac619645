import { readNtpShort, readNtpTimestamp, writeNtpTimestamp, type NtpTimestamp } from "./ntp-timestamp.js";

/** The 48-byte NTP header (RFC 5905 §7.3); extension fields and MAC after it are ignored. */
export interface NtpHeader {
  readonly leap: 0 | 1 | 2 | 3;
  readonly version: number;
  readonly mode: number;
  readonly stratum: number;
  /** log2 seconds, signed */
  readonly poll: number;
  /** log2 seconds, signed */
  readonly precision: number;
  /** seconds */
  readonly rootDelay: number;
  /** seconds */
  readonly rootDispersion: number;
  readonly refId: number;
  readonly reference: NtpTimestamp;
  readonly origin: NtpTimestamp;
  readonly receive: NtpTimestamp;
  readonly transmit: NtpTimestamp;
}

export const NTP_HEADER_LENGTH = 48;
export const MODE_CLIENT = 3;
export const MODE_SERVER = 4;

/** null when the packet is too short to hold a header. */
export function parseNtpHeader(buf: Uint8Array): NtpHeader | null {
  if (buf.length < NTP_HEADER_LENGTH) return null;
  const b0 = buf[0]!;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return {
    leap: (b0 >> 6) as 0 | 1 | 2 | 3,
    version: (b0 >> 3) & 7,
    mode: b0 & 7,
    stratum: buf[1]!,
    poll: view.getInt8(2),
    precision: view.getInt8(3),
    rootDelay: readNtpShort(buf, 4),
    rootDispersion: readNtpShort(buf, 8),
    refId: view.getUint32(12, false),
    reference: readNtpTimestamp(buf, 16),
    origin: readNtpTimestamp(buf, 24),
    receive: readNtpTimestamp(buf, 32),
    transmit: readNtpTimestamp(buf, 40),
  };
}

/**
 * A client request. The transmit field carries a random nonce rather than our clock (as
 * OpenNTPD does): it hides our clock and makes a forged reply guess 64 bits.
 */
export function buildClientRequest(nonce: NtpTimestamp, version = 4): Uint8Array {
  const buf = new Uint8Array(NTP_HEADER_LENGTH);
  buf[0] = (0 << 6) | (version << 3) | MODE_CLIENT;
  writeNtpTimestamp(buf, 40, nonce);
  return buf;
}

/** The four reference-ID bytes as text when they are printable ASCII (kiss codes, "GPS"). */
export function refIdAscii(refId: number): string | null {
  let text = "";
  for (let shift = 24; shift >= 0; shift -= 8) {
    const c = (refId >>> shift) & 0xff;
    if (c === 0) break;
    if (c < 0x20 || c > 0x7e) return null;
    text += String.fromCharCode(c);
  }
  for (let shift = 24 - 8 * text.length - 8; shift >= 0; shift -= 8) {
    // NUL padding must run to the end: "A\0B\0" is not a code
    if (((refId >>> shift) & 0xff) !== 0) return null;
  }
  return text.length > 0 ? text : null;
}

/**
 * Text a server sent (a kiss code, a reference ID), made safe to print anywhere — a Nagios
 * status line, perfdata, a log line, a terminal: letters, digits and `.:_-` stay, every other
 * byte becomes `\xHH`. A kiss code `|x=1` prints as `\x7cx\x3d1`.
 */
export function serverText(text: string): string {
  return text.replace(/[^A-Za-z0-9.:_-]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** How tools show the reference ID: text for stratum 0/1, the upstream's IPv4 address above. */
export function formatRefId(stratum: number, refId: number): string {
  if (stratum <= 1) {
    const text = refIdAscii(refId);
    if (text !== null) return serverText(text);
  }
  return [24, 16, 8, 0].map((s) => (refId >>> s) & 0xff).join(".");
}
