import { createSocket, type Socket } from "node:dgram";

/**
 * A DNS server on 127.0.0.1 that answers every query with one fixed response code (RFC 1035
 * §4.1.1: RCODE 2 = SERVFAIL) and no records — what a broken authoritative chain looks like to
 * a stub resolver, which unbound itself will not serve on demand.
 */
export interface RcodeDns {
  readonly server: string;
  readonly queries: number;
  stop(): Promise<void>;
}

export async function serveRcode(rcode: number): Promise<RcodeDns> {
  const sock: Socket = createSocket("udp4");
  let queries = 0;
  sock.on("message", (msg, rinfo) => {
    if (msg.length < 12) return;
    queries++;
    const reply = Buffer.from(msg);
    // QR=1, opcode copied, RD copied; RA=1, rcode
    reply[2] = 0x80 | (msg[2]! & 0x79);
    reply[3] = 0x80 | (rcode & 0x0f);
    reply.writeUInt16BE(0, 6);
    reply.writeUInt16BE(0, 8);
    reply.writeUInt16BE(0, 10);
    // keep the header and the question only (drop any EDNS record of the query)
    let at = 12;
    while (at < msg.length && msg[at] !== 0) at += msg[at]! + 1;
    sock.send(reply.subarray(0, Math.min(msg.length, at + 5)), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
  return {
    server: `127.0.0.1:${sock.address().port}`,
    get queries() {
      return queries;
    },
    stop: () => new Promise<void>((r) => sock.close(() => r())),
  };
}
