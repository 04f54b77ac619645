import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { instantFromTain } from "../time/runwhen-label.js";

/**
 * The supervisor's own record of a service, read from the file it keeps, not from a program:
 * daemontools' `supervise/status` (18 bytes) and runit's compatible 20-byte variant.
 *
 * Layout (daemontools 0.76 supervise.c `announce()`, runit's svstatus_t):
 *   0..11  TAI64N label (big-endian) of the last change of pid: when the service came up or
 *          went down. daemontools' +10 convention: no leap seconds (daemontools.md §1).
 *   12..15 pid, little-endian; 0 when the service is down
 *   16     paused flag (svc -p), meaningful only while up
 *   17     'u' wanted up, 'd' wanted down, 0 no wish (svc -o): then the `down` file decides
 *   18, 19 runit only: got TERM; 0 down, 1 run, 2 finish
 * svstat computes "N seconds" as now minus that label, as we do.
 *
 * s6-supervise keeps its own layout in the same place (s6 src/libs6/s6_svstatus_pack.c; 35
 * bytes in s6 2.11 as Debian ships it, 43 from the version that added the process group):
 *   0..11  tain of the last up/down change, in REAL TAI (skalibs' leap-second table: +27 s
 *          against daemontools' +10 since 2017; daemontools.md §6)
 *   12..23 tain of the last readiness notification
 *   24..31 pid, big-endian 64-bit; 0 when down
 *   (43 bytes: 32..39 the process group, big-endian 64-bit)
 *   then the wait status of the last exit (16 bits, big-endian) and one byte of flags:
 *   1 paused, 2 finishing, 4 wanted up, 8 ready (16 throttled, newer versions)
 * s6 always records the wish (the `down` file only sets its first value).
 */
export interface SuperviseStatus {
  /** unix ms of the last up/down change */
  changedMs: number;
  /** 0: down */
  pid: number;
  paused: boolean;
  wantUp: boolean;
  /** runit writes 20 bytes; daemontools 18; s6 35 or 43 */
  format: "daemontools" | "runit" | "s6";
}

const TAI_OFFSET = (1n << 62n) + 10n;

/** Decodes the bytes; null when they are not a status file (size, or a label outside TAI64). */
export function parseSuperviseStatus(bytes: Uint8Array, normallyUp: boolean): SuperviseStatus | null {
  if (bytes.length === 35 || bytes.length === 43) return parseS6Status(bytes);
  if (bytes.length !== 18 && bytes.length !== 20) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const label = view.getBigUint64(0, false);
  const nanos = view.getUint32(8, false);
  if (label < TAI_OFFSET || label >= 1n << 63n || nanos > 999_999_999) return null;
  const want = bytes[17];
  if (want !== 0 && want !== 0x75 && want !== 0x64) return null;
  return {
    changedMs: Number(label - TAI_OFFSET) * 1000 + Math.floor(nanos / 1e6),
    pid: view.getUint32(12, true),
    paused: bytes[16] !== 0,
    wantUp: want === 0x75 ? true : want === 0x64 ? false : normallyUp,
    format: bytes.length === 18 ? "daemontools" : "runit",
  };
}

function parseS6Status(bytes: Uint8Array): SuperviseStatus | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const label = view.getBigUint64(0, false);
  const nanos = view.getUint32(8, false);
  if (label < TAI_OFFSET || label >= 1n << 63n || nanos > 999_999_999) return null;
  const pid = view.getBigUint64(24, false);
  // pid_t is a signed 32-bit number: anything above is not a status file
  if (pid >= 1n << 31n) return null;
  const flags = bytes[bytes.length - 1]!;
  const changed = instantFromTain({ label, nanos });
  return {
    changedMs: changed.seconds * 1000 + Math.floor(changed.nanos / 1e6),
    pid: Number(pid),
    paused: (flags & 1) !== 0,
    wantUp: (flags & 4) !== 0,
    format: "s6",
  };
}

export type SuperviseReading = { ok: true; status: SuperviseStatus } | { ok: false; problem: string };

/** Reads SERVICEDIR/supervise/status; a missing file means no supervise has ever run there. */
export async function readSuperviseStatus(serviceDir: string): Promise<SuperviseReading> {
  const path = join(serviceDir, "supervise", "status");
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    return { ok: false, problem: code === "ENOENT" ? "not supervised (no supervise/status)" : `unable to read supervise/status: ${code}` };
  }
  let normallyUp = true;
  try {
    await readFile(join(serviceDir, "down"));
    normallyUp = false;
  } catch {
    // no down file: normally up
  }
  const status = parseSuperviseStatus(bytes, normallyUp);
  if (!status) return { ok: false, problem: `supervise/status is not a daemontools, runit or s6 status file (${bytes.length} bytes)` };
  return { ok: true, status };
}
