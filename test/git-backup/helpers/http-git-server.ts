import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { testGitEnv, withGitHttp } from "./git-fixtures.js";

export interface HttpGitServer {
  port: number;
  url(name: string): string;
  /** Authorization headers seen, for "the token went only where it should" checks */
  authSeen: string[];
  stop(): Promise<void>;
}

/**
 * git's smart HTTP: `git http-backend` as a CGI behind a small Node server. Repositories whose
 * name is in `privateRepos` need Basic auth with `token` as the password, as GitHub does.
 */
export async function startHttpGitServer(
  root: string,
  token?: string,
  privateRepos: ReadonlySet<string> = new Set(),
): Promise<HttpGitServer> {
  withGitHttp.assert();
  const authSeen: string[] = [];
  const server = createServer(gitHttpHandler(root, authSeen, token, privateRepos));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    authSeen,
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * The request handler behind startHttpGitServer, for servers that also speak something else on
 * the same origin (the fake GitHub serves its API and its git there, as a GitHub Enterprise
 * host does). Every Authorization header seen goes into `authSeen`.
 */
export function gitHttpHandler(root: string, authSeen: string[], token?: string, privateRepos: ReadonlySet<string> = new Set()) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const u = new URL(req.url ?? "/", "http://x");
    const auth = req.headers.authorization;
    if (auth) authSeen.push(auth);
    const repo = u.pathname.split("/")[1] ?? "";
    if (privateRepos.has(repo)) {
      const ok =
        token !== undefined &&
        auth !== undefined &&
        /^Basic /i.test(auth) &&
        Buffer.from(auth.slice(6), "base64").toString().split(":").slice(1).join(":") === token;
      if (!ok) {
        res.writeHead(401, { "www-authenticate": 'Basic realm="test"' });
        res.end("auth required\n");
        return;
      }
    }
    const cgi = spawn("git", ["http-backend"], {
      env: {
        ...testGitEnv,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: "1",
        PATH_INFO: decodeURIComponent(u.pathname),
        QUERY_STRING: u.search.slice(1),
        REQUEST_METHOD: req.method ?? "GET",
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        REMOTE_ADDR: "127.0.0.1",
        GIT_PROTOCOL: String(req.headers["git-protocol"] ?? ""),
        HTTP_CONTENT_ENCODING: String(req.headers["content-encoding"] ?? ""),
      },
      stdio: ["pipe", "pipe", "ignore"],
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headerDone = false;
    cgi.stdout.on("data", (chunk: Buffer) => {
      if (headerDone) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      headerDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString().split("\r\n")) {
        const i = line.indexOf(":");
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === "status") status = Number(v.split(" ")[0]);
        else res.setHeader(k, v);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    cgi.on("close", () => res.end());
  };
}
