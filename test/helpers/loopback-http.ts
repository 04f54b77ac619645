import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** An HTTP server on 127.0.0.1, port 0, that records what it saw, for network-read tests. */
export interface LoopbackHttp {
  /** http://127.0.0.1:PORT */
  url: string;
  /** request paths, in order */
  paths: string[];
  headers: IncomingMessage["headers"][];
  /** connections the server saw closed: the client gave up, or the exchange ended */
  closed: number;
  /** body bytes written by trickle() */
  sent: number;
  stop(): Promise<void>;
}

export async function serveHttp(handler: (req: IncomingMessage, res: ServerResponse, s: LoopbackHttp) => void): Promise<LoopbackHttp> {
  const server = createServer((req, res) => {
    s.paths.push(req.url ?? "");
    s.headers.push(req.headers);
    handler(req, res, s);
  });
  const s: LoopbackHttp = {
    url: "",
    paths: [],
    headers: [],
    closed: 0,
    sent: 0,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  server.on("connection", (c: Socket) => c.on("close", () => s.closed++));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  s.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return s;
}

/**
 * The hang of issue 8: headers at once (a promise of `length` bytes), then the body one byte a
 * second — a whole answer would take `length` seconds.
 */
export function trickle(length = 1000): (req: IncomingMessage, res: ServerResponse, s: LoopbackHttp) => void {
  return (_req, res, s) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": String(length), etag: '"t"' });
    const timer = setInterval(() => {
      res.write(" ");
      s.sent++;
    }, 1000);
    res.on("close", () => clearInterval(timer));
  };
}
