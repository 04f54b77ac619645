import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import { gitHttpHandler } from "./http-git-server.js";

export type ForgeKind = "gitea" | "gitlab";

/** An entry as the forge's API writes it (Gitea: GitHub's field names; GitLab: its own). */
export type ForgeEntry = Record<string, unknown>;

export interface FakeForge {
  kind: ForgeKind;
  port: number;
  /** the API base, as a user passes it: http://127.0.0.1:P/api/v1 or …/api/v4 */
  api: string;
  origin: string;
  /** listings by API path (without the base), e.g. "/users/alice/repos"; edit between runs */
  listings: Map<string, ForgeEntry[]>;
  /** repositories (NAME.git under the git root, path as served) that need the token over git */
  privateRepos: Set<string>;
  requests: { path: string; auth: string | undefined; status: number }[];
  /** Basic-auth users seen on git requests that carried the right token */
  gitUsers: string[];
  /** paths of every git request (e.g. /tool.wiki.git/info/refs) */
  gitPaths: string[];
  /** Git LFS batch requests: the repository and the Authorization header they carried */
  lfsBatches: { repo: string; auth: string | undefined }[];
  stop(): Promise<void>;
}

/**
 * One local HTTP server speaking a forge's documented REST shapes and serving its git on the
 * same origin (as Codeberg and gitlab.com do), through the real `git http-backend`.
 * - Gitea/Forgejo (/api/v1): `Authorization: token T`; `page` and `limit` (default 2 here, so
 *   paging happens), Link rel="next"/"last" and X-Total-Count.
 * - GitLab (/api/v4): `PRIVATE-TOKEN: T`; offset paging by `page`/`per_page` with X-Next-Page
 *   (empty on the last page) and X-Page, and no Link (as an older or proxied GitLab may send);
 *   `pagination=keyset` answered with Link rel="next" carrying `id_after`.
 * Git over http needs Basic auth for private repositories: token as password; GitLab's user
 * must be "oauth2", Gitea's may be anything.
 */
export async function startFakeForge(kind: ForgeKind, opts: { gitRoot: string; token: string; pageSize?: number }): Promise<FakeForge> {
  const base = kind === "gitea" ? "/api/v1" : "/api/v4";
  const pageSize = opts.pageSize ?? 2;
  const state: FakeForge = {
    kind,
    port: 0,
    api: "",
    origin: "",
    listings: new Map(),
    privateRepos: new Set(),
    requests: [],
    gitUsers: [],
    gitPaths: [],
    lfsBatches: [],
    stop: async () => {},
  };
  const gitAuth: string[] = [];
  const git = gitHttpHandler(opts.gitRoot, gitAuth);

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const u = new URL(req.url ?? "/", "http://x");
    if (!u.pathname.startsWith(`${base}/`)) {
      const repo = u.pathname.split("/")[1] ?? "";
      state.gitPaths.push(u.pathname);
      const auth = req.headers.authorization;
      if (auth && /^Basic /i.test(auth)) {
        const [user, ...pw] = Buffer.from(auth.slice(6), "base64").toString().split(":");
        if (pw.join(":") === opts.token) state.gitUsers.push(user ?? "");
      }
      if (req.method === "GET" && u.pathname.startsWith("/lfs-download/")) {
        lfsDownload(u.pathname.slice("/lfs-download/".length), res);
        return;
      }
      if (req.method === "POST" && u.pathname === `/${repo}/info/lfs/objects/batch`) state.lfsBatches.push({ repo, auth });
      if (state.privateRepos.has(repo)) {
        const [user, ...pw] = auth && /^Basic /i.test(auth) ? Buffer.from(auth.slice(6), "base64").toString().split(":") : [];
        const ok = pw.join(":") === opts.token && (kind === "gitea" ? user !== "" : user === "oauth2");
        if (!ok) {
          res.writeHead(401, { "www-authenticate": 'Basic realm="forge"' });
          res.end("auth required\n");
          return;
        }
      }
      if (req.method === "POST" && u.pathname === `/${repo}/info/lfs/objects/batch`) {
        lfsBatch(repo, req, res);
        return;
      }
      git(req, res);
      return;
    }
    const path = u.pathname.slice(base.length);
    const auth = kind === "gitea" ? req.headers.authorization : (req.headers["private-token"] as string | undefined);
    const send = (status: number, body: string, headers: Record<string, string> = {}): void => {
      state.requests.push({ path: path + u.search, auth, status });
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(body);
    };
    const authed = auth === (kind === "gitea" ? `token ${opts.token}` : opts.token);
    if (auth !== undefined && !authed) {
      send(401, JSON.stringify({ message: "token is required" }));
      return;
    }
    const all = state.listings.get(path);
    if (all === undefined) {
      send(404, JSON.stringify({ message: "404 Not Found" }));
      return;
    }
    const visible = all.filter((e) => authed || (kind === "gitea" ? e.private !== true : e.visibility === "public"));
    const self = new URL(`${state.origin}${u.pathname}`);
    for (const [k, v] of u.searchParams) self.searchParams.set(k, v);
    if (kind === "gitlab" && u.searchParams.get("pagination") === "keyset") {
      const after = Number(u.searchParams.get("id_after") ?? "0");
      const size = Number(u.searchParams.get("per_page") ?? "20");
      const rest = visible.filter((e) => Number(e.id) > after).sort((a, b) => Number(a.id) - Number(b.id));
      const page = rest.slice(0, Math.min(size, pageSize));
      const headers: Record<string, string> = {};
      if (rest.length > page.length) {
        const next = new URL(self);
        next.searchParams.set("id_after", String(page.at(-1)?.id));
        headers.link = `<${next.href}>; rel="next"`;
      }
      send(200, JSON.stringify(page), headers);
      return;
    }
    const page = Number(u.searchParams.get("page") ?? "1");
    const slice = visible.slice((page - 1) * pageSize, page * pageSize);
    const last = Math.max(1, Math.ceil(visible.length / pageSize));
    const headers: Record<string, string> = {};
    if (kind === "gitea") {
      headers["x-total-count"] = String(visible.length);
      if (page < last) {
        const at = (p: number) => {
          const n = new URL(self);
          n.searchParams.set("page", String(p));
          return n.href;
        };
        headers.link = `<${at(page + 1)}>; rel="next",<${at(last)}>; rel="last"`;
      }
    } else {
      headers["x-page"] = String(page);
      headers["x-next-page"] = page < last ? String(page + 1) : "";
      headers["x-total"] = String(visible.length);
    }
    send(200, JSON.stringify(slice), headers);
  };
  /** The object of `oid` in the upstream bare repository's own LFS store (where a push to it put it). */
  const lfsPath = (repo: string, oid: string) => join(opts.gitRoot, repo, "lfs", "objects", oid.slice(0, 2), oid.slice(2, 4), oid);
  const lfsRepoOf = new Map<string, string>();
  // The Git LFS batch API (git-lfs docs/api/batch.md): download actions for the objects the
  // store has, a per-object error 404 for those it does not.
  const lfsBatch = (repo: string, req: IncomingMessage, res: ServerResponse): void => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const ask = JSON.parse(body) as { operation: string; objects: { oid: string; size: number }[] };
      const objects = ask.objects.map((o) => {
        if (!/^[0-9a-f]{64}$/.test(o.oid) || !existsSync(lfsPath(repo, o.oid)))
          return { ...o, error: { code: 404, message: "Object does not exist" } };
        lfsRepoOf.set(o.oid, repo);
        return { ...o, authenticated: true, actions: { download: { href: `${state.origin}/lfs-download/${o.oid}`, expires_in: 3600 } } };
      });
      res.writeHead(200, { "content-type": "application/vnd.git-lfs+json" });
      res.end(JSON.stringify({ transfer: "basic", objects }));
    });
  };
  const lfsDownload = (oid: string, res: ServerResponse): void => {
    const repo = lfsRepoOf.get(oid);
    if (repo === undefined || !/^[0-9a-f]{64}$/.test(oid)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream" });
    res.end(readFileSync(lfsPath(repo, oid)));
  };

  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  state.port = (server.address() as { port: number }).port;
  state.origin = `http://127.0.0.1:${state.port}`;
  state.api = `${state.origin}${base}`;
  state.stop = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return state;
}

/** A Gitea/Forgejo repository object (the documented Repository schema, fields we read and a few we do not). */
export function giteaRepo(origin: string, id: number, name: string, extra: ForgeEntry = {}): ForgeEntry {
  return {
    id,
    owner: { id: 1, login: "alice" },
    name,
    full_name: `alice/${name}`,
    description: "",
    empty: false,
    private: false,
    fork: false,
    mirror: false,
    html_url: `${origin}/alice/${name}`,
    ssh_url: `git@127.0.0.1:alice/${name}.git`,
    clone_url: `${origin}/${name}.git`,
    default_branch: "main",
    archived: false,
    has_wiki: false,
    ...extra,
  };
}

/** A GitLab project object (the documented Projects API shape, fields we read and a few we do not). */
export function gitlabProject(origin: string, id: number, path: string, extra: ForgeEntry = {}): ForgeEntry {
  return {
    id,
    name: path.replace(/-/g, " ").toUpperCase(),
    path,
    path_with_namespace: `grp/sub/${path}`,
    name_with_namespace: `grp / sub / ${path}`,
    http_url_to_repo: `${origin}/${path}.git`,
    ssh_url_to_repo: `git@127.0.0.1:grp/sub/${path}.git`,
    web_url: `${origin}/grp/sub/${path}`,
    default_branch: "main",
    visibility: "public",
    archived: false,
    wiki_enabled: false,
    namespace: { id: 9, name: "sub", path: "sub", kind: "group", full_path: "grp/sub" },
    ...extra,
  };
}
