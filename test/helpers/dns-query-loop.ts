import { createSocket, type Socket } from "node:dgram";

/**
 * A DNS client over UDP that keeps asking one server, one query at a time, so that a test can
 * say whether the server answered throughout a reload: every query either gets an answer (any
 * rcode: NXDOMAIN is an answer) or counts as failed after `timeoutMs`, and the longest time
 * between two answers is recorded. Messages per RFC 1035 §4.1 (header, one question).
 */
export interface LoopResult {
  answered: number;
  failed: number;
  /** of the failed, answers that came after the limit */
  late: number;
  /** rcodes seen other than NOERROR (0) and NXDOMAIN (3): SERVFAIL (2), REFUSED (5) … */
  otherRcodes: number;
  /** the longest time between two answers (or the loop's start and the first), in ms */
  longestGapMs: number;
}

export interface QueryLoop {
  /** stop after the query in flight; resolves with the counts */
  stop(): Promise<LoopResult>;
}

/** A query for `name` (type A, class IN, RD set) with the given id: RFC 1035 §4.1.1–4.1.2. */
export function dnsQuery(id: number, name: string, type = 1): Buffer {
  const labels = name.replace(/\.$/, "").split(".");
  const parts: Buffer[] = [Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const l of labels) parts.push(Buffer.from([l.length]), Buffer.from(l, "ascii"));
  parts.push(Buffer.from([0, 0, type, 0, 1]));
  return Buffer.concat(parts);
}

/** The rcode of a reply (low 4 bits of the 4th header byte), or null if it is not one of ours. */
export function replyRcode(msg: Buffer, id: number): number | null {
  if (msg.length < 12 || msg.readUInt16BE(0) !== id || (msg[2]! & 0x80) === 0) return null;
  return msg[3]! & 0x0f;
}

/** One query, its rcode and answer count, or null on timeout. */
export async function askOnce(
  host: string,
  port: number,
  name: string,
  timeoutMs = 2000,
  type = 1,
): Promise<{ rcode: number; answers: number; reply: Buffer } | null> {
  const sock = createSocket("udp4");
  try {
    const id = Math.floor(Math.random() * 65536);
    return await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);
      sock.on("message", (m) => {
        const rcode = replyRcode(m, id);
        if (rcode === null) return;
        clearTimeout(timer);
        resolve({ rcode, answers: m.readUInt16BE(6), reply: m });
      });
      sock.send(dnsQuery(id, name, type), port, host);
    });
  } finally {
    sock.close();
  }
}

/**
 * Starts asking `names` in turn, for ever until stop(). A query unanswered after `timeoutMs`
 * counts as failed and the loop moves on; an answer that still comes later counts as `late`
 * (so a slow answer and a lost one can be told apart). The gap includes the time spent on a
 * failed query.
 */
export function startQueryLoop(host: string, port: number, names: readonly string[], timeoutMs = 1000): QueryLoop {
  const sock: Socket = createSocket("udp4");
  const result: LoopResult = { answered: 0, failed: 0, late: 0, otherRcodes: 0, longestGapMs: 0 };
  const timedOut = new Set<number>();
  let waiting: { id: number; resolve: (rcode: number | null) => void } | undefined;
  sock.on("message", (m: Buffer) => {
    if (m.length < 12) return;
    const id = m.readUInt16BE(0);
    if (waiting && waiting.id === id) {
      const rc = replyRcode(m, id);
      if (rc !== null) waiting.resolve(rc);
    } else if (timedOut.delete(id)) result.late++;
  });
  let stopping = false;
  let last = performance.now();
  let id = 0;
  let i = 0;
  const done = (async () => {
    await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
    while (!stopping) {
      id = (id + 1) & 0xffff;
      const want = id;
      const rcode = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => {
          timedOut.add(want);
          resolve(null);
        }, timeoutMs);
        waiting = {
          id: want,
          resolve: (rc) => {
            clearTimeout(timer);
            resolve(rc);
          },
        };
        sock.send(dnsQuery(want, names[i++ % names.length]!), port, host);
      });
      waiting = undefined;
      const now = performance.now();
      result.longestGapMs = Math.max(result.longestGapMs, now - last);
      if (rcode === null) {
        result.failed++;
        continue;
      }
      last = now;
      result.answered++;
      if (rcode !== 0 && rcode !== 3) result.otherRcodes++;
    }
    // answers still on their way to the queries that timed out
    await new Promise((r) => setTimeout(r, timeoutMs));
    sock.close();
    return result;
  })();
  return {
    stop: async () => {
      stopping = true;
      return done;
    },
  };
}
