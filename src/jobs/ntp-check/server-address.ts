import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { settleWithin } from "../network/deadline.js";
import type { Peer } from "./poll-peer.js";

export interface ServerSpec {
  /** as the user wrote it */
  readonly text: string;
  readonly host: string;
  readonly port: number;
}

/**
 * `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address. Returns an error message
 * (without the source, which the caller knows) instead of throwing.
 */
export function parseServer(text: string, defaultPort = 123): ServerSpec | string {
  let host = text;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
    if (isIP(host) !== 6) return `not an IPv6 address in brackets: ${text}`;
  } else if ((text.match(/:/g) ?? []).length === 1) {
    [host, portText] = text.split(":") as [string, string];
  } else if (text.includes(":") && isIP(text) !== 6) {
    return `not a server address: ${text}`;
  }
  if (host === "" || /[\s/]/.test(host)) return `not a server address: ${text}`;
  let port = defaultPort;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      return `bad port in server ${text}: ${portText}`;
    }
    port = Number(portText);
  }
  return { text, host, port };
}

export type Resolver = (host: string) => Promise<readonly string[]>;

/**
 * The form the kernel reports a reply's source in ("0:0::1" → "::1"), so the source check
 * compares like with like.
 */
export function canonicalAddress(address: string): string {
  if (isIP(address) !== 6) return address;
  const v6 = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  // URL writes an IPv4-mapped address in hex (::ffff:7f00:1); the kernel reports the
  // source of a reply as ::ffff:127.0.0.1.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
  if (!mapped) return v6;
  const hi = parseInt(mapped[1]!, 16);
  const lo = parseInt(mapped[2]!, 16);
  return `::ffff:${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

export const systemResolver: Resolver = async (host) => {
  if (isIP(host) !== 0) return [canonicalAddress(host)];
  const found = await lookup(host, { all: true, verbatim: true });
  return [...new Set(found.map((a) => a.address))];
};

export interface Resolution {
  readonly peers: readonly Peer[];
  /** servers whose name did not resolve: each counts as a configured peer that failed */
  readonly failures: readonly { server: ServerSpec; detail: string }[];
}

// getaddrinfo runs in libuv's thread pool and cannot be cancelled; a resolver that never
// answers must still not hold the poll. resolv.conf's defaults (5 s, 2 attempts) fit in this.
const RESOLVE_TIMEOUT_MS = 15_000;

/**
 * Each address of a name becomes its own peer, as ntpctl lists "from pool" peers. Every name
 * has `timeoutMs` to resolve, enforced by our own timer; `signal` ends the waiting at once.
 */
export async function resolveServers(
  servers: readonly ServerSpec[],
  resolver: Resolver = systemResolver,
  limits: { timeoutMs?: number; signal?: AbortSignal | undefined } = {},
): Promise<Resolution> {
  const timeoutMs = limits.timeoutMs ?? RESOLVE_TIMEOUT_MS;
  const results = await Promise.all(
    servers.map(async (s) => {
      try {
        const addrs = await settleWithin(resolver(s.host), { timeoutMs, signal: limits.signal });
        if (addrs.length === 0) return { server: s, error: "no addresses" };
        return { server: s, peers: addrs.map((address) => ({ server: s.text, address: canonicalAddress(address), port: s.port })) };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        return { server: s, error: code ?? (err as Error).message };
      }
    }),
  );
  const peers: Peer[] = [];
  const failures: { server: ServerSpec; detail: string }[] = [];
  // Two names for one machine (a CNAME, "localhost" next to 127.0.0.1) are one witness, not
  // two: counted twice it would fake the independent peers --min-peers asks for.
  const seen = new Set<string>();
  for (const r of results) {
    if (!r.peers) failures.push({ server: r.server, detail: `cannot resolve ${r.server.host}: ${r.error}` });
    for (const p of r.peers ?? []) {
      const key = `${p.address} ${p.port}`;
      if (!seen.has(key)) peers.push(p);
      seen.add(key);
    }
  }
  return { peers, failures };
}
