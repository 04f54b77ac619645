import { connect } from "node:net";
import { NetworkReadError, settleWithin } from "../network/deadline.js";
import { httpGet } from "../network/http-get.js";
import type { RefSnapshot } from "./ref-history.js";

/**
 * The refs an upstream advertises, read the way `git fetch` starts (gitprotocol-pack(5),
 * gitprotocol-http(5), protocol v0): over git:// the request line and the advertisement, over
 * smart HTTP `GET …/info/refs?service=git-upload-pack`. No git is started and nothing is
 * fetched. Only refs/heads and refs/tags are kept (what the mirror's refspecs fetch); peeled
 * tags (`^{}`) and other refs (HEAD, refs/pull/…) are left out.
 *
 * What a server says here only ever decides whether a fetch can be left out this run: never
 * what a mirror keeps, which is still decided from refs read locally.
 */
export type Advertisement =
  | { kind: "refs"; refs: RefSnapshot }
  /** the server answered, but not with an advertisement we read (auth wanted, a redirect, v2 only…) */
  | { kind: "unreadable"; why: string }
  /** no answer: refused, reset, a deadline, TLS */
  | { kind: "failed"; why: string };

export interface AdvertisementLimits {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** a larger advertisement is not read (a mirror with 100 000 tags advertises ~6 MB) */
  maxBytes: number;
}

const OID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const FETCHED = /^refs\/(heads|tags)\//;
// a git:// path git would send as it is: no percent escapes to decode, no spaces, no NUL
const PLAIN_PATH = /^\/[A-Za-z0-9._~+@/-]*$/;
const DEFAULT_GIT_PORT = 9418;

class PacketError extends Error {}

/**
 * Reads pkt-lines from `data` at `at`: [payload, next] or undefined at a flush-pkt's end (next
 * after it). Throws PacketError for anything that is not a v0 pkt-line.
 */
function packet(data: Buffer, at: number): { payload: Buffer | undefined; next: number } | undefined {
  if (at + 4 > data.length) return undefined;
  const head = data.toString("latin1", at, at + 4);
  if (!/^[0-9a-f]{4}$/.test(head)) throw new PacketError(`not a pkt-line length: ${JSON.stringify(head)}`);
  const n = Number.parseInt(head, 16);
  if (n === 0) return { payload: undefined, next: at + 4 };
  if (n < 4) throw new PacketError(`pkt-line length ${n} (protocol v2 is not asked for)`);
  if (at + n > data.length) return undefined;
  return { payload: data.subarray(at + 4, at + n), next: at + n };
}

/**
 * The refs of a complete v0 advertisement (after the smart-HTTP service header), or undefined
 * while `data` does not hold all of it yet. Throws PacketError for a malformed one, and for an
 * `ERR` line.
 */
export function parseAdvertisement(data: Buffer): RefSnapshot | undefined {
  const refs: RefSnapshot = new Map();
  let at = 0;
  let first = true;
  for (;;) {
    const p = packet(data, at);
    if (p === undefined) return undefined;
    at = p.next;
    if (p.payload === undefined) return refs;
    let line = p.payload.toString("latin1");
    if (line.endsWith("\n")) line = line.slice(0, -1);
    if (line.startsWith("ERR ")) throw new PacketError(`the server said: ${line.slice(4, 204)}`);
    if (first && line === "version 1") continue;
    if (first) {
      // capabilities follow the first ref after a NUL
      const nul = line.indexOf("\0");
      if (nul < 0) throw new PacketError("no capabilities on the first ref line");
      line = line.slice(0, nul);
      first = false;
    }
    const sp = line.indexOf(" ");
    const oid = line.slice(0, sp);
    const name = line.slice(sp + 1);
    if (sp < 0 || !OID.test(oid) || name === "" || /[\s\0]/.test(name)) {
      throw new PacketError(`not a ref line: ${JSON.stringify(line.slice(0, 200))}`);
    }
    // an empty repository advertises "capabilities^{}" with a zero id; peeled tags end in ^{}
    if (name.endsWith("^{}") || !FETCHED.test(name)) continue;
    // one name twice: which one git would take is not ours to guess
    if (refs.has(name)) throw new PacketError(`${name} advertised twice`);
    refs.set(name, oid);
  }
}

/** The advertisement after smart HTTP's `# service=git-upload-pack` line and its flush. */
function afterServiceHeader(body: Buffer): Buffer {
  const p = packet(body, 0);
  if (p?.payload === undefined || p.payload.toString("latin1").replace(/\n$/, "") !== "# service=git-upload-pack") {
    throw new PacketError("no '# service=git-upload-pack' line: not a smart HTTP server");
  }
  let at = p.next;
  for (;;) {
    const q = packet(body, at);
    if (q === undefined) throw new PacketError("the service header has no end");
    at = q.next;
    if (q.payload === undefined) return body.subarray(at);
  }
}

async function overHttp(url: URL, o: AdvertisementLimits): Promise<Advertisement> {
  const base = url.href.replace(/\/+$/, "");
  let reply;
  try {
    reply = await httpGet({
      url: `${base}/info/refs?service=git-upload-pack`,
      headers: { "user-agent": "git/chime", accept: "*/*", "accept-encoding": "identity" },
      timeoutMs: o.timeoutMs,
      signal: o.signal,
      maxBodyBytes: o.maxBytes,
      // git follows a redirect of info/refs; one that leaves the origin is git's to judge
      maxRedirects: 3,
    });
  } catch (err) {
    if (err instanceof NetworkReadError && (err.reason === "too-large" || err.reason === "redirect")) {
      return { kind: "unreadable", why: err.message };
    }
    return { kind: "failed", why: err instanceof Error ? err.message : String(err) };
  }
  if (reply.status !== 200) return { kind: "unreadable", why: `HTTP ${reply.status}` };
  const type = String(reply.headers["content-type"] ?? "");
  if (!type.startsWith("application/x-git-upload-pack-advertisement")) {
    return { kind: "unreadable", why: `content-type ${JSON.stringify(type.slice(0, 100))}: not smart HTTP` };
  }
  try {
    const refs = parseAdvertisement(afterServiceHeader(reply.body));
    return refs === undefined ? { kind: "unreadable", why: "the advertisement ends early" } : { kind: "refs", refs };
  } catch (err) {
    return { kind: "unreadable", why: (err as Error).message };
  }
}

function overGit(url: URL, o: AdvertisementLimits): Promise<Advertisement> {
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = url.port === "" ? DEFAULT_GIT_PORT : Number(url.port);
  // what git sends: the path, then host=HOST[:PORT] as the server was named (gitprotocol-pack(5))
  const request = `git-upload-pack ${url.pathname}\0host=${url.host}\0`;
  const line = `${(request.length + 4).toString(16).padStart(4, "0")}${request}`;
  const socket = connect({ host, port });
  const work = new Promise<Advertisement>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // the last four bytes received: an advertisement ends with a flush-pkt, and is parsed only
    // then (parsing every piece again would be quadratic in a large one)
    let tail = "";
    let settled = false;
    const done = (a: Advertisement): void => {
      if (settled) return;
      settled = true;
      // a flush-pkt says "no wants": upload-pack ends quietly instead of logging a hang-up
      if (a.kind === "refs") socket.end("0000");
      resolve(a);
    };
    socket.on("connect", () => socket.write(line));
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > o.maxBytes) return done({ kind: "unreadable", why: `advertisement larger than ${o.maxBytes} bytes` });
      tail = (tail + chunk.toString("latin1", Math.max(0, chunk.length - 4))).slice(-4);
      if (tail !== "0000") return;
      try {
        const refs = parseAdvertisement(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
        if (refs !== undefined) done({ kind: "refs", refs });
      } catch (err) {
        done({ kind: "unreadable", why: (err as Error).message });
      }
    });
    socket.on("error", (err) => done({ kind: "failed", why: err.message }));
    socket.on("end", () => done({ kind: "failed", why: "the server closed the connection before the advertisement ended" }));
  });
  const closed = new Promise<void>((r) => socket.once("close", () => r()));
  const answer = settleWithin(work, o, () => socket.destroy()).catch((err: unknown) => ({
    kind: "failed" as const,
    why: err instanceof Error ? err.message : String(err),
  }));
  // settled only once the connection is closed: the caller's --concurrency slot is free again
  // only when the server can see it is (the flush above was written when it was ended)
  return answer.then(async (a) => {
    socket.destroy();
    await closed;
    return a;
  });
}

/** Whether advertisedRefs can read `url` at all: git:// and http(s):// without credentials. */
export function advertisable(url: string): URL | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined; // scp-like ssh (host:path) and local paths
  }
  if (u.username !== "" || u.password !== "" || u.search !== "" || u.hash !== "") return undefined;
  if (u.protocol === "http:" || u.protocol === "https:") return u;
  if (u.protocol === "git:" && u.hostname !== "" && PLAIN_PATH.test(u.pathname)) return u;
  return undefined;
}

export function advertisedRefs(url: URL, o: AdvertisementLimits): Promise<Advertisement> {
  return url.protocol === "git:" ? overGit(url, o) : overHttp(url, o);
}
