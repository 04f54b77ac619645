import { createSocket, type Socket } from "node:dgram";
import { ntpAt, requestNonce, requestVersion, writeReply, type ReplyFields } from "./ntp-wire.js";

/**
 * A hand-written NTP "server" on 127.0.0.1 that sends exactly what a test scripts: the
 * packets real servers will not send (KoD, wrong mode, spoofed origins, other ports…).
 */
export interface Request {
  readonly bytes: Buffer;
  readonly nonce: bigint;
  readonly version: number;
  /** server clock at arrival, NTP timestamp */
  readonly receive: bigint;
  /** 0-based count of requests so far */
  readonly index: number;
}

export interface Send {
  /** a function is called when the packet leaves, so a delayed reply carries its own T3 */
  readonly bytes: Buffer | (() => Buffer);
  readonly delayMs?: number;
  /** send from a second socket (another port) */
  readonly fromOtherPort?: boolean;
  /** send from 127.0.0.2 instead (the responder itself listens on 127.0.0.1) */
  readonly fromOtherAddress?: boolean;
}

export type Behaviour = (req: Request) => Send[];

export interface Responder {
  readonly address: string;
  readonly port: number;
  readonly requests: Request[];
  close(): Promise<void>;
}

function bind(address = "127.0.0.1", port = 0): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket(address.includes(":") ? "udp6" : "udp4");
    s.once("error", reject);
    s.bind(port, address, () => resolve(s));
  });
}

/** serverClockMs: the server's idea of POSIX ms (default: our clock; pass a shift for a wrong server). */
export async function startResponder(
  behaviour: Behaviour,
  serverClockMs: () => number = () => performance.timeOrigin + performance.now(),
  at: { address?: string; port?: number } = {},
): Promise<Responder> {
  const main = await bind(at.address, at.port);
  const other = await bind(at.address);
  const elsewhere = await bind("127.0.0.2");
  const requests: Request[] = [];
  const timers = new Set<NodeJS.Timeout>();
  main.on("message", (bytes, rinfo) => {
    const req: Request = {
      bytes,
      nonce: requestNonce(bytes),
      version: requestVersion(bytes),
      receive: ntpAt(serverClockMs()),
      index: requests.length,
    };
    requests.push(req);
    for (const s of behaviour(req)) {
      const go = (): void =>
        (s.fromOtherAddress ? elsewhere : s.fromOtherPort ? other : main).send(
          typeof s.bytes === "function" ? s.bytes() : s.bytes,
          rinfo.port,
          rinfo.address,
        );
      if (!s.delayMs) go();
      else {
        const t = setTimeout(() => {
          timers.delete(t);
          go();
        }, s.delayMs);
        timers.add(t);
      }
    }
  });
  return {
    address: main.address().address,
    port: main.address().port,
    requests,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      await Promise.all([main, other, elsewhere].map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

/** A well-formed server reply to req: stratum 2, LI 0, server clock as given; fields overridable. */
export function goodReply(
  req: Request,
  serverClockMs: () => number = () => performance.timeOrigin + performance.now(),
  over: Partial<ReplyFields> = {},
): Buffer {
  const now = ntpAt(serverClockMs());
  return writeReply({
    leap: 0,
    version: req.version,
    mode: 4,
    stratum: 2,
    refId: 0x0a000001,
    reference: now - (16n << 32n),
    origin: req.nonce,
    receive: req.receive,
    transmit: now,
    ...over,
  });
}
