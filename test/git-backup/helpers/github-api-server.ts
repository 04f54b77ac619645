import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

export interface FakeRepo {
  id: number;
  name: string;
  clone_url: string;
  private?: boolean;
  fork?: boolean;
  archived?: boolean;
  default_branch?: string;
  [k: string]: unknown;
}

export interface FakeGithub {
  port: number;
  api: string;
  /** the user's repositories; edit between runs (rename, delete) */
  repos: FakeRepo[];
  /** the user's gists (/users/{u}/gists; all of them at /gists with the token) */
  gists: { id: string; git_pull_url: string; public: boolean; [k: string]: unknown }[];
  /** raw page bodies to serve instead, for hostile listings */
  rawPages?: string[];
  /** rate-limit state */
  remaining: number;
  resetEpoch: number;
  requests: { path: string; auth: string | undefined; ifNoneMatch: string | undefined; status: number }[];
  stop(): Promise<void>;
}

/**
 * Speaks the documented shape of GitHub's REST listing: /users/{u}/repos (public only),
 * /user/repos and /user (need the token), /orgs/{o}/repos; pages of `perPage` chained by
 * Link rel="next"; ETag + If-None-Match → 304; x-ratelimit-* headers, 403 when exhausted.
 */
export async function startFakeGithub(opts: {
  login: string;
  token: string;
  perPage?: number;
  org?: string;
  /** serves /NAME.git/… on the API's own origin (the API's git host, as on GitHub Enterprise) */
  git?: (req: IncomingMessage, res: ServerResponse) => void;
}): Promise<FakeGithub> {
  const perPage = opts.perPage ?? 2;
  const state: FakeGithub = {
    port: 0,
    api: "",
    repos: [],
    gists: [],
    remaining: 5000,
    resetEpoch: Math.floor(Date.now() / 1000) + 3600,
    requests: [],
    stop: async () => {},
  };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const u = new URL(req.url ?? "/", "http://x");
    if (opts.git && /^\/[^/]+\.git(\/|$)/.test(u.pathname)) {
      opts.git(req, res);
      return;
    }
    const auth = req.headers.authorization;
    const authed = auth === `Bearer ${opts.token}`;
    const send = (status: number, body: string, headers: Record<string, string> = {}): void => {
      state.requests.push({ path: u.pathname + u.search, auth, ifNoneMatch: req.headers["if-none-match"], status });
      res.writeHead(status, {
        "content-type": "application/json",
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": String(Math.max(0, state.remaining)),
        "x-ratelimit-reset": String(state.resetEpoch),
        ...headers,
      });
      res.end(body);
    };
    if (auth !== undefined && !authed) {
      send(401, JSON.stringify({ message: "Bad credentials" }));
      return;
    }
    if (state.remaining <= 0 && Date.now() / 1000 >= state.resetEpoch) {
      state.remaining = 5000;
      state.resetEpoch = Math.floor(Date.now() / 1000) + 3600;
    }
    if (state.remaining <= 0) {
      send(403, JSON.stringify({ message: "API rate limit exceeded" }));
      return;
    }
    state.remaining--;
    if (u.pathname === "/user") {
      if (authed) send(200, JSON.stringify({ login: opts.login, id: 1 }));
      else send(401, JSON.stringify({ message: "Requires authentication" }));
      return;
    }
    let list: unknown[];
    if (u.pathname === `/users/${opts.login}/repos`) list = state.repos.filter((r) => !r.private);
    else if (u.pathname === "/user/repos" && authed) list = state.repos;
    else if (u.pathname === `/orgs/${opts.org ?? "acme"}/repos`) list = state.repos.filter((r) => authed || !r.private);
    else if (u.pathname === `/users/${opts.login}/gists`) list = state.gists.filter((g) => g.public);
    else if (u.pathname === "/gists" && authed) list = state.gists;
    else {
      send(404, JSON.stringify({ message: "Not Found" }));
      return;
    }
    const page = Number(u.searchParams.get("page") ?? "1");
    let body: string;
    let last: number;
    if (state.rawPages) {
      body = state.rawPages[page - 1] ?? "[]";
      last = state.rawPages.length;
    } else {
      body = JSON.stringify(list.slice((page - 1) * perPage, page * perPage));
      last = Math.max(1, Math.ceil(list.length / perPage));
    }
    const etag = `"${Buffer.from(body).toString("base64url").slice(-20)}-${body.length}"`;
    const headers: Record<string, string> = { etag };
    if (page < last) {
      const next = new URL(`http://127.0.0.1:${state.port}${u.pathname}`);
      for (const [k, v] of u.searchParams) next.searchParams.set(k, v);
      next.searchParams.set("page", String(page + 1));
      headers.link = `<${next.href}>; rel="next", <${next.href.replace(/page=\d+/, `page=${last}`)}>; rel="last"`;
    }
    if (req.headers["if-none-match"] === etag) {
      send(304, "", headers);
      return;
    }
    send(200, body, headers);
  };
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  state.port = (server.address() as { port: number }).port;
  state.api = `http://127.0.0.1:${state.port}`;
  state.stop = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return state;
}
