import type { Socket } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { NetworkReadError } from "../../../src/jobs/network/deadline.js";
import { httpGet, httpPost, urlForMessages } from "../../../src/jobs/network/http-get.js";
import { serveHttp, trickle, type LoopbackHttp } from "../../helpers/loopback-http.js";
import { waitFor } from "../../helpers/processes.js";

const servers: LoopbackHttp[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

async function serve(handler: Parameters<typeof serveHttp>[0]): Promise<LoopbackHttp> {
  const s = await serveHttp(handler);
  servers.push(s);
  return s;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  if (!(await waitFor(cond, 20_000, 10))) throw new Error(`never happened: ${what}`);
}

async function failure(p: Promise<unknown>): Promise<NetworkReadError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NetworkReadError);
  return err as NetworkReadError;
}

describe("httpGet: every read ends by its own deadline", () => {
  test("a body trickled one byte a second ends at the deadline and the socket is closed", async () => {
    const s = await serve(trickle());
    const err = await failure(httpGet({ url: `${s.url}/list`, timeoutMs: 2500, maxBodyBytes: 1 << 20 }));
    expect(err.reason).toBe("timeout");
    expect(err.message).toBe(`GET ${s.url}/list: no complete answer within 2.5 s`);
    // the connection is gone at the server too: nothing keeps reading after the deadline
    await until(() => s.closed === 1, "server sees the connection closed");
    expect(s.sent).toBeLessThan(1000);
  });

  test("aborting the signal ends a trickled read at once", async () => {
    const s = await serve(trickle());
    const stop = new AbortController();
    const pending = httpGet({ url: `${s.url}/list`, timeoutMs: 600_000, maxBodyBytes: 1 << 20, signal: stop.signal });
    await until(() => s.sent >= 1, "the first byte is out");
    stop.abort("shutdown");
    const err = await failure(pending);
    expect(err.reason).toBe("aborted");
    expect(err.message).toBe(`GET ${s.url}/list: stopped (shutdown)`);
    await until(() => s.closed === 1, "server sees the connection closed");
  });

  test("headers, then silence: the deadline still holds", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.flushHeaders();
    });
    const err = await failure(httpGet({ url: `${s.url}/stall`, timeoutMs: 1500, maxBodyBytes: 1 << 20 }));
    expect(err.reason).toBe("timeout");
    expect(err.message).toMatch(/no complete answer within 1\.5 s$/);
  });

  test("an accepted connection that never answers ends at the deadline", async () => {
    const s = await serve(() => {});
    const err = await failure(httpGet({ url: `${s.url}/silent`, timeoutMs: 1000, maxBodyBytes: 1 << 20 }));
    expect(err.reason).toBe("timeout");
  });

  test("a connection reset mid-body is an error, not a short answer", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { "content-length": "1000" });
      res.write("[1,2,3", () => (res.socket as Socket).resetAndDestroy());
    });
    const err = await failure(httpGet({ url: `${s.url}/reset`, timeoutMs: 10_000, maxBodyBytes: 1 << 20 }));
    expect(err.reason).toBe("network");
    expect(err.message).toMatch(new RegExp(`^GET ${s.url}/reset: connection lost before the answer was complete`));
  });
});

describe("httpGet: size and redirect limits", () => {
  test("a body over the limit is refused, declared or not", async () => {
    const s = await serve((req, res) => {
      if (req.url === "/declared") res.writeHead(200, { "content-length": String(2048) });
      else res.writeHead(200); // chunked: the size is only known while reading
      res.end("x".repeat(2048));
    });
    for (const path of ["/declared", "/chunked"]) {
      const err = await failure(httpGet({ url: `${s.url}${path}`, timeoutMs: 10_000, maxBodyBytes: 1024 }));
      expect(err.reason).toBe("too-large");
      expect(err.message).toBe(`GET ${s.url}${path}: answer larger than 1024 bytes: refused`);
    }
    const ok = await httpGet({ url: `${s.url}/chunked`, timeoutMs: 10_000, maxBodyBytes: 2048 });
    expect(ok.body.length).toBe(2048);
  });

  test("a redirect loop is refused after the redirect limit", async () => {
    const s = await serve((req, res) => {
      res.writeHead(302, { location: req.url === "/a" ? "/b" : "/a" });
      res.end();
    });
    const err = await failure(httpGet({ url: `${s.url}/a`, timeoutMs: 10_000, maxBodyBytes: 1024, maxRedirects: 3 }));
    expect(err.reason).toBe("redirect");
    expect(err.message).toBe(`GET ${s.url}/a: more than 3 redirects (a loop?): refused`);
    // the first request and three redirects followed: /a /b /a /b
    expect(s.paths).toEqual(["/a", "/b", "/a", "/b"]);
  });

  test("a redirect to another host is refused unless the caller allows it, and then carries no credentials", async () => {
    const other = await serve((_req, res) => res.end("elsewhere"));
    const s = await serve((_req, res) => {
      res.writeHead(301, { location: `${other.url}/x` });
      res.end();
    });
    const headers = { authorization: "Bearer secret-token-value" };
    const err = await failure(httpGet({ url: `${s.url}/moved`, headers, timeoutMs: 10_000, maxBodyBytes: 1024 }));
    expect(err.reason).toBe("redirect");
    expect(err.message).toBe(`GET ${s.url}/moved: redirect to ${other.url}/x leaves ${s.url}: refused`);
    expect(other.paths).toEqual([]);

    const ok = await httpGet({ url: `${s.url}/moved`, headers, timeoutMs: 10_000, maxBodyBytes: 1024, allowRedirect: () => true });
    expect(ok.body.toString()).toBe("elsewhere");
    expect(ok.url).toBe(`${other.url}/x`);
    expect(other.headers[0]?.authorization).toBeUndefined();
    expect(s.headers[1]?.authorization).toBe("Bearer secret-token-value");
  });

  test("a redirect from http to https on the same host is another origin: refused", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(301, { location: s.url.replace("http:", "https:") + "/x" });
      res.end();
    });
    const err = await failure(httpGet({ url: `${s.url}/x`, timeoutMs: 10_000, maxBodyBytes: 1024 }));
    expect(err.reason).toBe("redirect");
  });
});

describe("httpGet: conditional requests", () => {
  test("ETag and Last-Modified are sent back, and a 304 comes through with no body", async () => {
    const etag = '"v1"';
    const lastModified = "Wed, 02 Dec 2026 06:00:00 GMT";
    const s = await serve((req, res) => {
      if (req.headers["if-none-match"] === etag && req.headers["if-modified-since"] === lastModified) {
        res.writeHead(304, { etag });
        return res.end();
      }
      res.writeHead(200, { etag, "last-modified": lastModified });
      res.end("[]");
    });
    const first = await httpGet({ url: `${s.url}/p`, timeoutMs: 10_000, maxBodyBytes: 1024 });
    expect(first.status).toBe(200);
    expect(first.validators).toEqual({ etag, lastModified });
    const again = await httpGet({ url: `${s.url}/p`, timeoutMs: 10_000, maxBodyBytes: 1024, validators: first.validators });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });
});

test("URLs in messages carry no userinfo and no secret-looking query values", () => {
  expect(urlForMessages("https://u:pw@example.net/x?page=2&access_token=abc")).toBe("https://example.net/x?page=2&access_token=REDACTED");
});

describe("httpPost: the same deadline and limits, a body, no redirect followed", () => {
  test("the body arrives with its length and type; the answer is read", async () => {
    let got = "";
    let headers: Record<string, string | string[] | undefined> = {};
    const s = await serve((req, res) => {
      headers = req.headers;
      req.on("data", (c: Buffer) => (got += c.toString()));
      req.on("end", () => res.writeHead(200, { "content-type": "text/plain" }).end("OK"));
    });
    const r = await httpPost({ url: `${s.url}/ping/abc?rid=1`, body: "line one\nlïne two\n", timeoutMs: 5000, maxBodyBytes: 100 });
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe("OK");
    expect(got).toBe("line one\nlïne two\n");
    expect(headers["content-length"]).toBe(String(Buffer.byteLength("line one\nlïne two\n")));
    expect(headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(s.paths).toEqual(["/ping/abc?rid=1"]);
  });

  test("a redirect is refused, not followed; a server that never answers ends at the deadline", async () => {
    const s = await serve((req, res) => {
      if (req.url === "/moved") res.writeHead(307, { location: "/elsewhere" }).end();
      // otherwise: never answer
    });
    const moved = await failure(httpPost({ url: `${s.url}/moved`, body: "x", timeoutMs: 5000, maxBodyBytes: 100 }));
    expect(moved.reason).toBe("redirect");
    expect(moved.message).toBe(`POST ${s.url}/moved: answered with a redirect (307), not followed for a POST`);
    expect(s.paths).toEqual(["/moved"]);
    const silent = await failure(httpPost({ url: `${s.url}/silent`, body: "x", timeoutMs: 300, maxBodyBytes: 100 }));
    expect(silent.reason).toBe("timeout");
    expect(silent.message).toBe(`POST ${s.url}/silent: no complete answer within 0.3 s`);
  });
});
