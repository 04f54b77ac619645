import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { asnDbSpec } from "../../src/jobs/asn-db/spec.js";
import { runBin } from "../cli/run-bin.js";
import { serveHttp, type LoopbackHttp } from "../helpers/loopback-http.js";
import { testContext, type TestContext } from "../ntp-check/helpers/job-context.js";
import { generateV4Ranges, tsvOf } from "./helpers/iptoasn-fixture.js";

const FULL = tsvOf(generateV4Ranges(1000, 5));
const lines = FULL.trimEnd().split("\n");

describe("the asn-db job", () => {
  let server: LoopbackHttp;
  let ctx: TestContext;
  let dir: string;
  let out: string;
  /** what the server sends next: status, body, etag */
  let next: { status: number; body: Buffer; etag?: string };
  beforeEach(async () => {
    ctx = await testContext();
    dir = await mkdtemp(join(tmpdir(), "chime-asn-db-"));
    out = join(dir, "ip2asn.tsv");
    next = { status: 200, body: gzipSync(FULL), etag: '"v1"' };
    server = await serveHttp((req, res) => {
      if (next.etag !== undefined && req.headers["if-none-match"] === next.etag) {
        res.writeHead(304, { etag: next.etag });
        return res.end();
      }
      res.writeHead(next.status, { "content-type": "application/octet-stream", ...(next.etag ? { etag: next.etag } : {}) });
      res.end(next.body);
    });
  });
  afterEach(async () => {
    await server.stop();
    await ctx.cleanup();
    await rm(dir, { recursive: true, force: true });
  });
  const job = (...more: string[]) =>
    asnDbSpec.create(["--url", `${server.url}/ip2asn-combined.tsv.gz`, "--out", out, "--min-ranges", "100", ...more], {});

  it("downloads a gzipped table, writes it uncompressed, then asks conditionally and keeps it", async () => {
    const first = await job().run(ctx);
    expect(first).toMatchObject({ status: "ok", metrics: { ranges: 1000, updated: 1 } });
    expect(await readFile(out, "utf8")).toBe(FULL);
    const mtime = (await stat(out)).mtimeMs;
    const second = await job().run(ctx);
    expect(second).toMatchObject({ status: "ok", metrics: { ranges: 1000, updated: 0 } });
    expect(second.summary).toContain("not modified");
    expect(server.headers[1]!["if-none-match"]).toBe('"v1"');
    expect((await stat(out)).mtimeMs).toBe(mtime);
  });

  it("keeps the table in place when the download is cut short, garbled or shrinks too much", async () => {
    await job().run(ctx);
    const gz = gzipSync(FULL);
    next = { status: 200, body: gz.subarray(0, gz.length >> 1), etag: '"v2"' };
    let r = await job().run(ctx);
    expect(r.status).toBe("critical");
    expect(r.summary).toMatch(/not a complete gzip file/);

    next = { status: 200, body: Buffer.from("<html><body>Service Unavailable</body></html>\n"), etag: '"v3"' };
    r = await job().run(ctx);
    expect(r.status).toBe("critical");
    expect(r.summary).toMatch(/line 1: expected 5 tab-separated fields/);

    // cut at a line boundary: every line parses, only the count shows it
    next = { status: 200, body: Buffer.from(lines.slice(0, 400).join("\n") + "\n"), etag: '"v4"' };
    r = await job().run(ctx);
    expect(r.status).toBe("critical");
    expect(r.summary).toContain("400 ranges against 1000 in place, a shrink of more than 50%");

    next = { status: 200, body: Buffer.from(lines.slice(0, 40).join("\n") + "\n"), etag: '"v5"' };
    r = await job().run(ctx);
    expect(r.summary).toContain("40 ranges, fewer than --min-ranges 100");

    expect(await readFile(out, "utf8")).toBe(FULL);
    // a smaller shrink than --max-shrink is an update
    next = { status: 200, body: Buffer.from(lines.slice(0, 800).join("\n") + "\n"), etag: '"v6"' };
    r = await job().run(ctx);
    expect(r).toMatchObject({ status: "ok", metrics: { ranges: 800 } });
  });

  it("warns and keeps the table when the server fails", async () => {
    await writeFile(out, FULL);
    next = { status: 503, body: Buffer.from("down") };
    const r = await job().run(ctx);
    expect(r.status).toBe("warning");
    expect(r.summary).toContain("HTTP 503");
    expect(await readFile(out, "utf8")).toBe(FULL);
  });

  it("refuses bad options by name (exit 100 from the command line)", () => {
    const r = runBin("chime", ["asn-db", "--url", "ftp://example.net/x.tsv", "--out", out], { CHIME_LOG_STAMP: "none" });
    expect(r.status).toBe(100);
    expect(r.stderr).toContain('asn-db: --url: not an http(s) URL: "ftp://example.net/x.tsv"');
    const r2 = runBin("chime", ["asn-db", "--url", "http://127.0.0.1:9/x", "--out", out], {
      CHIME_LOG_STAMP: "none",
      CHIME_ASN_DB_MAX_SHRINK: "fifty",
    });
    expect(r2.status).toBe(100);
    expect(r2.stderr).toContain("CHIME_ASN_DB_MAX_SHRINK (environment): not a percentage");
  });
});
