import { execFileSync } from "node:child_process";
import { createServer as createHttpServer, type IncomingMessage } from "node:http";
import { createServer, connect, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseAdvertisement } from "../../src/jobs/git-backup/ref-advertisement.js";
import { UnchangedUpstreams } from "../../src/jobs/git-backup/unchanged-upstream.js";
import { git, refsOf, tempDir, testGitEnv, Upstream, withGitHttp } from "./helpers/git-fixtures.js";
import { gitHttpHandler } from "./helpers/http-git-server.js";
import { gitBackupStage } from "./helpers/git-backup-stage.js";
import { runJob } from "./helpers/run-job.js";

/** a pkt-line (gitprotocol-common(5)): four hex digits of the whole length, then the payload */
const pkt = (payload: string): string => `${(payload.length + 4).toString(16).padStart(4, "0")}${payload}`;
const ZERO = "0".repeat(40);
const A = "a".repeat(40);
const B = "b".repeat(40);

/**
 * A TCP relay in front of the git daemon: counts connections, and lets a test decide, per
 * connection, to relay it, answer it with junk, or hold it silent.
 */
interface Relay {
  port: number;
  accepted(): number;
  /** what the next connections get, in order; relayed once the list is used up */
  plan: ("relay" | "junk" | "silent")[];
  stop(): Promise<void>;
}

async function startRelay(targetPort: number): Promise<Relay> {
  let count = 0;
  const sockets = new Set<Socket>();
  const relay: Relay = { port: 0, accepted: () => count, plan: [], stop: async () => {} };
  const server: Server = createServer((client) => {
    count++;
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => {});
    const how = relay.plan.shift() ?? "relay";
    if (how === "silent") return;
    if (how === "junk") {
      client.end("HTTP/1.1 200 OK\r\n\r\nnot a pkt-line\n");
      return;
    }
    const up = connect(targetPort, "127.0.0.1");
    sockets.add(up);
    up.on("close", () => sockets.delete(up));
    up.on("error", () => client.destroy());
    client.pipe(up);
    up.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  relay.port = (server.address() as { port: number }).port;
  relay.stop = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return relay;
}

describe("the ref advertisement, read as gitprotocol-pack(5) lays it out", () => {
  test("refs/heads and refs/tags with their ids; HEAD, other namespaces and peeled tags left out", () => {
    const text =
      pkt(`${A} HEAD\0multi_ack side-band-64k symref=HEAD:refs/heads/main agent=git/2.39\n`) +
      pkt(`${A} refs/heads/main\n`) +
      pkt(`${B} refs/heads/feature/x\n`) +
      pkt(`${A} refs/pull/1/head\n`) +
      pkt(`${B} refs/tags/rel\n`) +
      pkt(`${A} refs/tags/rel^{}\n`) +
      // the LF is optional (gitprotocol-common(5): "SHOULD")
      pkt(`${A} refs/tags/v1`) +
      "0000";
    expect(parseAdvertisement(Buffer.from(text, "latin1"))).toEqual(
      new Map([
        ["refs/heads/main", A],
        ["refs/heads/feature/x", B],
        ["refs/tags/rel", B],
        ["refs/tags/v1", A],
      ]),
    );
  });

  test("an empty repository advertises capabilities^{} with a zero id: no refs", () => {
    const text = `${pkt(`${ZERO} capabilities^{}\0side-band-64k\n`)}0000`;
    expect(parseAdvertisement(Buffer.from(text, "latin1"))).toEqual(new Map());
  });

  test("an advertisement cut short is not complete yet, at any cut", () => {
    const text = `${pkt(`${A} HEAD\0caps\n`)}${pkt(`${A} refs/heads/main\n`)}0000`;
    for (let cut = 0; cut < text.length; cut++)
      expect(parseAdvertisement(Buffer.from(text.slice(0, cut), "latin1")), `cut at ${cut}`).toBeUndefined();
  });

  test("what is not a v0 advertisement is refused, never read as refs", () => {
    const refused = [
      `${pkt("ERR access denied\n")}0000`,
      // protocol v2's capability advertisement (gitprotocol-v2(5)), which we never ask for
      `${pkt("version 2\n")}${pkt("ls-refs\n")}0000`,
      `${pkt(`${A} HEAD\0caps\n`)}0001${pkt(`${A} refs/heads/main\n`)}0000`,
      `${pkt(`${A} HEAD\0caps\n`)}${pkt("not-an-id refs/heads/main\n")}0000`,
      `${pkt(`${A} HEAD\0caps\n`)}${pkt(`${A} refs/heads/a b\n`)}0000`,
      `${pkt(`${A} HEAD\0caps\n`)}${pkt(`${A} refs/heads/main\n`)}${pkt(`${B} refs/heads/main\n`)}0000`,
      `${pkt(`${A} HEAD\0caps\n`)}zz12${"x".repeat(20)}0000`,
      "<html>not found</html>",
    ];
    for (const text of refused) expect(() => parseAdvertisement(Buffer.from(text, "latin1")), JSON.stringify(text)).toThrow();
  });

  test("agrees with git for-each-ref on what a real upload-pack advertises", () => {
    const stage = tempDir("gb-advertised");
    try {
      const up = new Upstream(stage.path, "adv", stage.path);
      up.commit();
      git(up.work, "tag", "-a", "-m", "annotated", "rel");
      up.commit();
      git(up.work, "tag", "light");
      git(up.work, "branch", "feature");
      up.push("main", "feature", "rel", "light");
      git(up.bare, "update-ref", "refs/pull/7/head", up.rev("main"));
      git(up.bare, "update-ref", "refs/notes/commits", up.rev("main"));
      // what the server writes before a client's first word (v0: no GIT_PROTOCOL)
      const advertised = execFileSync("git", ["upload-pack", "--advertise-refs", up.bare], { env: testGitEnv });
      expect(parseAdvertisement(advertised)).toEqual(refsOf(up.bare, "refs/heads", "refs/tags"));
      expect(refsOf(up.bare, "refs/heads", "refs/tags").size).toBe(4);
    } finally {
      stage.remove();
    }
  });
});

describe("a mirror whose upstream advertises exactly its refs is not fetched (git://)", () => {
  const stage = gitBackupStage("gb-unchanged");
  let relay: Relay;
  let up: Upstream;
  let mirror: string;

  beforeAll(async () => {
    relay = await startRelay(stage.daemon.port);
    up = new Upstream(stage.root, "proj", stage.work);
    up.commit();
    git(up.work, "branch", "gone");
    git(up.work, "tag", "v1");
    up.push("main", "gone", "v1");
    mirror = join(stage.dir, "proj.git");
    git(stage.dir, "init", "--quiet", "--bare", "proj.git");
    git(mirror, "remote", "add", "origin", `git://127.0.0.1:${relay.port}/proj.git`);
  });
  afterAll(async () => {
    await relay.stop();
  });

  const run = (...extra: string[]) => runJob([stage.dir, "--retries", "0", ...extra], { stateDir: stage.stateDir });

  test("first run fetches; the next, with nothing new upstream, only asks: one connection, no fetch", async () => {
    const first = await run();
    expect(first.repo("proj.git")?.status).toBe("updated");
    expect(refsOf(mirror, "refs/heads", "refs/tags")).toEqual(refsOf(up.bare, "refs/heads", "refs/tags"));

    const before = relay.accepted();
    const second = await run();
    expect(second.repo("proj.git")).toMatchObject({ status: "unchanged", refs_updated: 0 });
    // a fetch would have been a second connection (and its own upload-pack)
    expect(relay.accepted() - before).toBe(1);
  });

  test("--fetch-always fetches without asking: one connection, the fetch's", async () => {
    const before = relay.accepted();
    const r = await run("--fetch-always");
    expect(r.repo("proj.git")).toMatchObject({ status: "unchanged" });
    expect(relay.accepted() - before).toBe(1);
  });

  test("a force-push, a deleted branch and a moved tag upstream: asked, fetched, and every old tip kept", async () => {
    const oldMain = up.rev("main");
    const oldTag = up.rev("v1");
    git(up.work, "checkout", "--quiet", "--orphan", "rewritten");
    up.commit("rewritten");
    git(up.work, "branch", "--quiet", "-M", "main");
    git(up.work, "tag", "-f", "v1");
    up.push("main", "v1", ":gone");
    const before = relay.accepted();
    const r = await run();
    expect(r.repo("proj.git")).toMatchObject({ status: "updated", refs_updated: 3, refs_saved: 3 });
    expect(relay.accepted() - before).toBe(2);
    expect(refsOf(mirror, "refs/heads", "refs/tags")).toEqual(refsOf(up.bare, "refs/heads", "refs/tags"));
    const saved = [...refsOf(mirror, "refs/backup").entries()];
    expect(saved.filter(([ref, oid]) => ref.endsWith("/heads/main") && oid === oldMain)).toHaveLength(1);
    expect(saved.filter(([ref, oid]) => ref.endsWith("/heads/gone") && oid === oldMain)).toHaveLength(1);
    expect(saved.filter(([ref, oid]) => ref.endsWith("/tags/v1") && oid === oldTag)).toHaveLength(1);
  });

  test("a new tag alone is seen: the mirror is fetched", async () => {
    git(up.work, "tag", "v2");
    up.push("v2");
    const r = await run();
    expect(r.repo("proj.git")).toMatchObject({ status: "updated", refs_updated: 1 });
    expect(git(mirror, "rev-parse", "refs/tags/v2")).toBe(up.rev("v2"));
  });

  test("an upstream that answers junk, or nothing, to the question is fetched all the same", async () => {
    // "silent": no answer until the question's own deadline (a quarter of --timeout), then the
    // fetch is relayed
    for (const answer of ["junk", "silent"] as const) {
      up.commit();
      up.push();
      relay.plan.push(answer);
      const r = await run("--timeout", "8s");
      expect(r.repo("proj.git"), answer).toMatchObject({ status: "updated" });
      expect(git(mirror, "rev-parse", "refs/heads/main"), answer).toBe(up.rev("main"));
    }
  });
});

describe("a mirror whose upstream advertises exactly its refs is not fetched (smart HTTP)", () => {
  const stage = gitBackupStage("gb-unchanged-http");
  const requests: { method: string; url: string; protocol: string | undefined }[] = [];
  let server: ReturnType<typeof createHttpServer>;
  let up: Upstream;
  let mirror: string;

  beforeAll(async () => {
    withGitHttp.assert();
    const handler = gitHttpHandler(stage.root, []);
    server = createHttpServer((req: IncomingMessage, res) => {
      requests.push({ method: req.method ?? "", url: req.url ?? "", protocol: req.headers["git-protocol"] as string | undefined });
      handler(req, res);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    up = new Upstream(stage.root, "web", stage.work);
    up.commit();
    up.push();
    mirror = join(stage.dir, "web.git");
    git(stage.dir, "init", "--quiet", "--bare", "web.git");
    git(mirror, "remote", "add", "origin", `http://127.0.0.1:${port}/web.git`);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const run = (env: Record<string, string> = {}) => runJob([stage.dir, "--retries", "0"], { stateDir: stage.stateDir, env });

  test("up to date: one GET of info/refs, as protocol v0, and nothing else", async () => {
    expect((await run()).repo("web.git")?.status).toBe("updated");
    requests.length = 0;
    const r = await run();
    expect(r.repo("web.git")).toMatchObject({ status: "unchanged" });
    expect(requests).toEqual([{ method: "GET", url: "/web.git/info/refs?service=git-upload-pack", protocol: undefined }]);
  });

  test("a new commit upstream: asked, then fetched by git", async () => {
    const c = up.commit();
    up.push();
    requests.length = 0;
    const r = await run();
    expect(r.repo("web.git")).toMatchObject({ status: "updated", refs_updated: 1 });
    expect(git(mirror, "rev-parse", "refs/heads/main")).toBe(c);
    // the question, then git's own requests (it asks for protocol v2)
    expect(requests[0]).toEqual({ method: "GET", url: "/web.git/info/refs?service=git-upload-pack", protocol: undefined });
    expect(requests.slice(1).some((q) => q.method === "POST")).toBe(true);
  });

  test("with a proxy in the environment, which git honours and the question would not, git alone goes", async () => {
    requests.length = 0;
    // no_proxy lets git reach the loopback server directly; the question is still not asked
    const r = await run({ http_proxy: "http://127.0.0.1:9", no_proxy: "127.0.0.1" });
    expect(r.repo("web.git")).toMatchObject({ status: "unchanged" });
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.every((q) => q.protocol !== undefined)).toBe(true);
  });
});

describe("which upstreams are asked", () => {
  const never = new AbortController().signal;

  test("git:// and http(s):// without credentials; not ssh, scp-like, file or local paths", () => {
    const asks = new UnchangedUpstreams({}, never, 1000);
    expect(asks.askable("git://127.0.0.1:9418/a.git")?.href).toBe("git://127.0.0.1:9418/a.git");
    expect(asks.askable("https://github.com/o/r.git")?.href).toBe("https://github.com/o/r.git");
    expect(asks.askable("http://[::1]:8080/r")?.hostname).toBe("[::1]");
    for (const url of [
      "ssh://git@github.com/o/r.git",
      "git@github.com:o/r.git",
      "file:///srv/git/r.git",
      "/srv/git/r.git",
      "https://user:secret@example.org/r.git",
      "https://example.org/r.git?x=1",
      // a path git would send percent-decoded, or not: not ours to guess
      "git://example.org/a%20b.git",
    ]) {
      expect(asks.askable(url), url).toBeUndefined();
    }
  });

  test("a proxy or TLS variable in the environment: no http(s) question; GIT_PROXY_COMMAND: no git:// one", () => {
    for (const env of [
      { https_proxy: "http://proxy:3128" },
      { ALL_PROXY: "socks5://p" },
      { GIT_SSL_CAINFO: "/etc/ca.pem" },
      { GIT_SSL_NO_VERIFY: "1" },
    ]) {
      const asks = new UnchangedUpstreams(env, never, 1000);
      expect(asks.askable("https://example.org/r.git"), JSON.stringify(env)).toBeUndefined();
      expect(asks.askable("git://example.org/r.git"), JSON.stringify(env)).toBeDefined();
    }
    const viaProxy = new UnchangedUpstreams({ GIT_PROXY_COMMAND: "/usr/local/bin/proxy" }, never, 1000);
    expect(viaProxy.askable("git://example.org/r.git")).toBeUndefined();
    expect(viaProxy.askable("https://example.org/r.git")).toBeDefined();
  });
});

describe("a run stops asking once most upstreams asked had changed", () => {
  const stage = gitBackupStage("gb-ask-stop");
  let relay: Relay;
  const ups: Upstream[] = [];

  beforeAll(async () => {
    relay = await startRelay(stage.daemon.port);
    for (let i = 0; i < 10; i++) {
      const up = new Upstream(stage.root, `r${i}`, stage.work);
      up.commit();
      up.push();
      ups.push(up);
      git(stage.dir, "init", "--quiet", "--bare", `r${i}.git`);
      git(join(stage.dir, `r${i}.git`), "remote", "add", "origin", `git://127.0.0.1:${relay.port}/r${i}.git`);
    }
  });
  afterAll(async () => {
    await relay.stop();
  });

  test("ten mirrors, every upstream new: eight questions, then fetches alone", async () => {
    // --concurrency 1: one question at a time, so the count is exact
    const r = await runJob([stage.dir, "--retries", "0", "--concurrency", "1"], { stateDir: stage.stateDir });
    for (let i = 0; i < 10; i++) {
      expect(r.repo(`r${i}.git`)?.status).toBe("updated");
      expect(git(join(stage.dir, `r${i}.git`), "rev-parse", "refs/heads/main")).toBe(ups[i]!.rev("main"));
    }
    // eight questions, ten fetches, and ten `ls-remote --symref` for HEAD (each mirror's HEAD
    // names the unborn master of `git init --bare`; mirror-head.ts)
    expect(relay.accepted()).toBe(8 + 10 + 10);
  });
});
