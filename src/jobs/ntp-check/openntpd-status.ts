/**
 * Parsers for OpenNTPD's `ntpctl -s status` and `ntpctl -s peers` (formats of ntpd.c
 * show_status_msg / show_peer_msg, the same from 6.2p3 to current OpenBSD).
 */
export interface OpenntpdStatus {
  readonly validPeers: number | null;
  readonly totalPeers: number | null;
  readonly synced: boolean;
  readonly stratum: number | null;
  /** ms, the pending adjtime correction shown while unsynced */
  readonly clockOffsetMs: number | null;
}

export interface OpenntpdPeer {
  readonly address: string;
  /** the `*` mark: the clock is synced to this peer */
  readonly selected: boolean;
  readonly weight: number;
  readonly trustLevel: number;
  readonly stratum: number | null;
  readonly nextSeconds: number;
  readonly pollSeconds: number;
  /** null when ntpctl prints "---- peer not valid ----" */
  readonly offsetMs: number | null;
  readonly delayMs: number | null;
  readonly jitterMs: number | null;
}

const STATUS_RE =
  /^(?:(\d+)\/(\d+) peers valid, )?(?:(\d+)\/(\d+) sensors valid, )?(?:constraint offset (-?\d+)s(?: \((\d+) errors\))?, |constraints configured but none available, )?(?:clock synced, stratum (\d+)|clock unsynced(?:, clock offset is (-?[\d.]+)ms)?)$/m;
const PEER_ROW_RE =
  /^ ([* ]) +(\d+) +(\d+) +(\d+|-) +(-?\d+)s +(\d+)s +(?:(-?[\d.]+)ms +(-?[\d.]+)ms +(-?[\d.]+)ms|---- peer not valid ----)\s*$/;

export function parseOpenntpdStatus(text: string): OpenntpdStatus | null {
  const m = STATUS_RE.exec(text);
  if (!m) return null;
  const n = (x: string | undefined): number | null => (x === undefined ? null : Number(x));
  return {
    validPeers: n(m[1]),
    totalPeers: n(m[2]),
    synced: m[7] !== undefined,
    stratum: n(m[7]),
    clockOffsetMs: n(m[8]),
  };
}

/** Peers from `-s peers` (or the peer block of `-s all`); the address is the line above each row. */
export function parseOpenntpdPeers(text: string): OpenntpdPeer[] | null {
  const lines = text.split("\n");
  const peers: OpenntpdPeer[] = [];
  for (let i = 1; i < lines.length; i++) {
    const m = PEER_ROW_RE.exec(lines[i]!);
    if (!m) continue;
    const n = (x: string | undefined): number | null => (x === undefined ? null : Number(x));
    peers.push({
      // description line: "<address> [from pool <name>]", trailing space included
      address: lines[i - 1]!.trim().split(/\s+/)[0] ?? "",
      selected: m[1] === "*",
      weight: Number(m[2]),
      trustLevel: Number(m[3]),
      stratum: m[4] === "-" ? null : Number(m[4]),
      nextSeconds: Number(m[5]),
      pollSeconds: Number(m[6]),
      offsetMs: n(m[7]),
      delayMs: n(m[8]),
      jitterMs: n(m[9]),
    });
  }
  if (peers.length === 0 && !/no peers configured/.test(text) && !/^peer$/m.test(text)) return null;
  return peers;
}

/** OpenNTPD counts a peer as valid from trust level 6 (TRUSTLEVEL_BADPEER). */
export const OPENNTPD_VALID_TRUST = 6;
/** error_interval(): 3000–3300 s; a valid peer that far away answered LI=3 or KoD. */
export const OPENNTPD_ERROR_BACKOFF_SECONDS = 3000;
