import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import type { Environment, JobResult } from "../../../src/jobs/job.js";
import { dnsBlocklistSpec } from "../../../src/jobs/dns-blocklist/spec.js";
import { instantFromMs } from "../../../src/time/instant.js";
import { askOnce } from "../../helpers/dns-query-loop.js";
import { serveHttp, type LoopbackHttp } from "../../helpers/loopback-http.js";
import { startUnbound, type UnboundServer } from "../../helpers/unbound-server.js";

/**
 * A real unbound whose configuration includes the file the job writes, list servers on
 * loopback, a private state directory, and a way to run the job once as the command line would.
 */
export type Route = (req: IncomingMessage, res: ServerResponse, s: LoopbackHttp) => void;

export interface BlocklistRig {
  dir: string;
  include: string;
  stateDir: string;
  unbound: UnboundServer;
  http: LoopbackHttp;
  /** handlers by request path (without the query) */
  routes: Map<string, Route>;
  url(path: string): string;
  /** the job's own words (without `dns-blocklist`); --include and --unbound-conf are added */
  run(
    args: readonly string[],
    opts?: { nowMs?: number; env?: Environment },
  ): Promise<{ result: JobResult; log: Record<string, unknown>[] }>;
  /** forget every applied version and source copy (the include file stays) */
  resetState(): Promise<void>;
  /** rcode and first answer's rdata (A: dotted quad) for a name */
  ask(name: string, type?: number): Promise<{ rcode: number; answers: number; address?: string }>;
  stop(): Promise<void>;
}

/** A list served with an ETag that is the digest of its text; If-None-Match with it gets a 304. */
export function listWithEtag(text: () => string): Route {
  return (req, res) => {
    const body = text();
    const etag = `"${createHash("sha256").update(body).digest("hex").slice(0, 16)}"`;
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, { etag });
      res.end();
      return;
    }
    res.writeHead(200, { "content-type": "text/plain", etag });
    res.end(body);
  };
}

export async function startBlocklistRig(serverLines: readonly string[] = []): Promise<BlocklistRig> {
  const dir = await mkdtemp(join(tmpdir(), "chime-dnsbl-"));
  const include = join(dir, "blocklist.conf");
  const stateDir = join(dir, "state");
  await writeFile(include, "server:\n");
  const unbound = await startUnbound({ serverLines: [`include: "${include}"`, ...serverLines] });
  const routes = new Map<string, Route>();
  const http = await serveHttp((req, res, s) => {
    const route = routes.get((req.url ?? "").replace(/\?.*/, ""));
    if (route) route(req, res, s);
    else {
      res.writeHead(404);
      res.end("not found");
    }
  });
  return {
    dir,
    include,
    stateDir,
    unbound,
    http,
    routes,
    url: (p) => `${http.url}${p}`,
    run: async (args, opts = {}) => {
      const log: Record<string, unknown>[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
          for (const l of chunk.toString().split("\n")) if (l) log.push(JSON.parse(l) as Record<string, unknown>);
          cb();
        },
      });
      const conf = args.includes("--unbound-conf") ? [] : ["--unbound-conf", unbound.config];
      const job = dnsBlocklistSpec.create(["--include", include, ...conf, ...args], opts.env ?? {});
      const result = await job.run({
        log: pino({ level: "debug" }, sink),
        signal: new AbortController().signal,
        now: () => instantFromMs(opts.nowMs ?? Date.now()),
        stateDir,
        graceMs: 2000,
      });
      return { result, log };
    },
    resetState: () => rm(stateDir, { recursive: true, force: true }),
    ask: async (name, type = 1) => {
      const r = await askOnce(unbound.host, unbound.port, name, 3000, type);
      if (r === null) throw new Error(`no answer from unbound for ${name}`);
      return { rcode: r.rcode, answers: r.answers, ...firstAddress(r.reply) };
    },
    stop: async () => {
      await http.stop();
      await unbound.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The rdata of the first A or AAAA answer (RFC 1035 §4.1.3; names compressed or not). */
function firstAddress(m: Buffer): { address?: string } {
  if (m.readUInt16BE(6) === 0) return {};
  let off = 12;
  const skipName = (): void => {
    while (off < m.length) {
      const len = m[off]!;
      if (len === 0) {
        off++;
        return;
      }
      if ((len & 0xc0) === 0xc0) {
        off += 2;
        return;
      }
      off += len + 1;
    }
  };
  skipName();
  off += 4; // question type and class
  skipName();
  const type = m.readUInt16BE(off);
  const rdlen = m.readUInt16BE(off + 8);
  const rdata = m.subarray(off + 10, off + 10 + rdlen);
  if (type === 1 && rdlen === 4) return { address: [...rdata].join(".") };
  if (type === 28 && rdlen === 16)
    return { address: Array.from({ length: 8 }, (_, i) => rdata.readUInt16BE(i * 2).toString(16)).join(":") };
  return {};
}
