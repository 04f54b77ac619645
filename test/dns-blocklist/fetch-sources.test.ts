import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fetchSources, type FetchLimits } from "../../src/jobs/dns-blocklist/fetch-sources.js";
import { SourceStore } from "../../src/jobs/dns-blocklist/source-store.js";
import { serveHttp, trickle, type LoopbackHttp } from "../helpers/loopback-http.js";
import { listWithEtag, type Route } from "./helpers/blocklist-rig.js";

// Step 1 of issue 13: conditional requests (RFC 9110 §13.1.2 If-None-Match, §15.4.5 304),
// deadlines, a size limit; a source that fails keeps its last good copy.
describe("dns-blocklist fetch: conditional downloads, and a failing source keeps its last good copy", () => {
  let http: LoopbackHttp;
  let dir: string;
  let store: SourceStore;
  const routes = new Map<string, Route>();
  const limits = (over: Partial<FetchLimits> = {}): FetchLimits => ({
    timeoutMs: 10_000,
    maxSizeBytes: 1 << 20,
    maxRedirects: 5,
    nowSeconds: 1_800_000_000,
    ...over,
  });
  const good = "ads.example\ntracker.example\n";

  beforeAll(async () => {
    http = await serveHttp((req, res, s) => {
      const r = routes.get((req.url ?? "").replace(/\?.*/, ""));
      if (r) r(req, res, s);
      else {
        res.writeHead(404);
        res.end();
      }
    });
  });
  afterAll(async () => http?.stop());
  beforeEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = await mkdtemp(join(tmpdir(), "chime-dnsbl-fetch-"));
    store = new SourceStore(dir);
    routes.clear();
  });

  /** serves `good` with an ETag first, then `then` for every later request */
  function firstGoodThen(then: Route): Route {
    let n = 0;
    const first = listWithEtag(() => good);
    return (req, res, s) => (n++ === 0 ? first(req, res, s) : then(req, res, s));
  }

  it("asks again with If-None-Match; a 304 keeps the copy, marked unchanged and confirmed now", async () => {
    routes.set(
      "/l",
      listWithEtag(() => good),
    );
    const url = `${http.url}/l`;
    const [first] = await fetchSources([url], store, limits());
    expect(first).toMatchObject({ state: "fresh", bytes: Buffer.byteLength(good) });
    const [second] = await fetchSources([url], store, limits({ nowSeconds: 1_800_000_100 }));
    expect(http.headers.at(-1)?.["if-none-match"]).toMatch(/^"[0-9a-f]{16}"$/);
    expect(second).toMatchObject({ state: "unchanged", bytes: Buffer.byteLength(good), confirmedAt: 1_800_000_100 });
    // the copy a run then parses
    expect(await store.text(url)).toBe(good);
  });

  it("the same text in a 200 (a server without validators) is unchanged too", async () => {
    routes.set("/l", (_req, res) => res.end(good));
    const url = `${http.url}/l`;
    await fetchSources([url], store, limits());
    const [again] = await fetchSources([url], store, limits());
    expect(again).toMatchObject({ state: "unchanged", bytes: Buffer.byteLength(good) });
  });

  const failures: [string, Route, Partial<FetchLimits>, RegExp][] = [
    ["a server error", (_req, res) => res.writeHead(500).end("oops"), {}, /HTTP status 500/],
    ["a slow body past the deadline", trickle(1000), { timeoutMs: 1000 }, /no complete answer within 1 s/],
    ["a body over --max-size", (_req, res) => res.end("x.example\n".repeat(2000)), { maxSizeBytes: 4096 }, /larger than 4096 bytes/],
    [
      "a connection reset in the middle of the body",
      (_req, res: ServerResponse) => {
        res.writeHead(200, { "content-length": "100000" });
        res.write("half.example\n", () => res.socket?.destroy());
      },
      {},
      /connection lost/,
    ],
    ["garbage (binary, NUL bytes)", (_req, res) => res.end(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0x00, 0x41])), {}, /not text/],
  ];
  for (const [what, route, over, error] of failures) {
    it(`${what}: failed, naming the source; the last good copy is used and kept`, async () => {
      routes.set("/l", firstGoodThen(route));
      const url = `${http.url}/l`;
      await fetchSources([url], store, limits());
      const [failed] = await fetchSources([url], store, limits({ ...over, nowSeconds: 1_800_000_500 }));
      expect(failed).toMatchObject({ state: "failed", bytes: Buffer.byteLength(good), confirmedAt: 1_800_000_000 });
      expect(failed!.error).toMatch(error);
      expect(failed!.error).toContain(`${http.url}/l`);
      expect(await store.text(url)).toBe(good);
    });
  }

  it("a source that never worked fails with no copy", async () => {
    const [f] = await fetchSources([`${http.url}/missing`], store, limits());
    expect(f).toMatchObject({ state: "failed", bytes: undefined });
    expect(f!.error).toMatch(/HTTP status 404/);
  });

  it("a token in a source URL is never shown: not in the shown source, not in the error", async () => {
    routes.set("/l", (_req, res) => res.writeHead(503).end());
    const url = `http://user:hunter2secret@127.0.0.1:${new URL(http.url).port}/l?token=SECRET123456`;
    const [f] = await fetchSources([url], store, limits());
    expect(f!.state).toBe("failed");
    for (const text of [f!.shown, f!.error ?? ""]) {
      expect(text).not.toContain("SECRET123456");
      expect(text).not.toContain("hunter2secret");
    }
  });

  it("the copies of sources no longer configured are forgotten, the others kept", async () => {
    routes.set(
      "/l",
      listWithEtag(() => good),
    );
    routes.set(
      "/m",
      listWithEtag(() => good),
    );
    const [l, m] = [`${http.url}/l`, `${http.url}/m`];
    await fetchSources([l, m], store, limits());
    await store.forgetAllBut([m]);
    expect(await store.text(l)).toBeUndefined();
    expect(await store.record(l)).toBeUndefined();
    expect(await store.text(m)).toBe(good);
  });

  it("a local file is read each run; a file that went missing keeps its last good copy", async () => {
    const file = join(dir, "local.txt");
    await writeFile(file, good);
    expect((await fetchSources([file], store, limits()))[0]).toMatchObject({
      state: "fresh",
      bytes: Buffer.byteLength(good),
      host: undefined,
    });
    await rm(file);
    const [f] = await fetchSources([file], store, limits());
    expect(f).toMatchObject({ state: "failed", bytes: Buffer.byteLength(good) });
    expect(f!.error).toMatch(/ENOENT/);
  });
});

describe("dns-blocklist: a stored copy read back in pieces", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "chime-pieces-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("gives back every byte in order, over several pieces (two buffers take turns), the last one short", async () => {
    const store = new SourceStore(dir);
    // 3.5 MiB of lines, each naming its own number: a piece out of order or read twice shows
    const lines: string[] = [];
    for (let i = 0; lines.length * 24 < 3.5 * 1024 * 1024; i++) lines.push(`0.0.0.0 n${String(i).padStart(9, "0")}.example`);
    const text = `${lines.join("\n")}\n`;
    await store.save("https://lists.example/big.txt", text, {
      shown: "https://lists.example/big.txt",
      confirmedAt: 0,
      sha256: "",
      validators: {},
    });
    const got: Buffer[] = [];
    let pieces = 0;
    for await (const piece of store.pieces("https://lists.example/big.txt")) {
      // copied: a piece is valid only until the next is asked for
      got.push(Buffer.from(piece));
      pieces++;
    }
    expect(pieces).toBe(Math.ceil(Buffer.byteLength(text) / (1024 * 1024)));
    expect(Buffer.concat(got).toString("utf8")).toBe(text);
  });

  it("a reader that stops after the first piece: the read under way ends, and the copy reads again from its start", async () => {
    const store = new SourceStore(dir);
    const text = "x".repeat(3 * 1024 * 1024);
    await store.save("file:one", text, { shown: "one", confirmedAt: 0, sha256: "", validators: {} });
    for await (const piece of store.pieces("file:one")) {
      expect(piece.length).toBe(1024 * 1024);
      break;
    }
    let total = 0;
    for await (const piece of store.pieces("file:one")) total += piece.length;
    expect(total).toBe(text.length);
  });
});
