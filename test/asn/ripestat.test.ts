import { afterEach, describe, expect, it } from "vitest";
import { parseIp } from "../../src/jobs/asn/ip-address.js";
import { retryAfterMs, RipeStatSource } from "../../src/jobs/asn/ripestat.js";
import type { LoopbackHttp } from "../helpers/loopback-http.js";
import { serveRipeStat, type RipeStatData } from "./helpers/ripestat-server.js";

const DATA: RipeStatData = {
  // the documentation's network-info example: 140.78.90.50 → 140.78.0.0/16, AS1205
  networkInfo: {
    "140.78.90.50": { asns: ["1205"], prefix: "140.78.0.0/16" },
    "2001:67c:2e8::2": { asns: ["3333"], prefix: "2001:67c:2e8::/48" },
  },
  holders: {
    AS1205: "FCCN - Fundacao para a Computacao Cientifica Nacional",
    AS3333: "RIPE-NCC-AS - Reseaux IP Europeens Network Coordination Centre (RIPE NCC)",
  },
  countries: { "140.78.0.0/16": "AT", "2001:67c:2e8::/48": "NL", AS3333: "NL" },
  announced: { AS3333: ["193.0.0.0/21", "193.0.10.0/23", "2001:67c:2e8::/48"] },
};

describe("the RIPEstat source against a local server speaking the Data API", () => {
  let server: LoopbackHttp | undefined;
  afterEach(async () => server?.stop());
  const source = (s: LoopbackHttp, more: Partial<ConstructorParameters<typeof RipeStatSource>[0]> = {}) =>
    new RipeStatSource({ baseUrl: s.url, sourceApp: "chime-test", timeoutMs: 3000, ...more });

  it("answers an address from network-info, as-overview and rir-stats-country, sending sourceapp every time", async () => {
    server = await serveRipeStat(DATA);
    expect(await source(server).lookup(parseIp("140.78.90.50")!)).toEqual({
      kind: "answer",
      address: "140.78.90.50",
      origins: [1205],
      prefix: "140.78.0.0/16",
      country: "AT",
      registry: null,
      allocated: null,
      asName: "FCCN - Fundacao para a Computacao Cientifica Nacional",
      source: "ripestat",
    });
    expect(server.paths.length).toBe(3);
    for (const p of server.paths) expect(new URL(p, "http://x").searchParams.get("sourceapp")).toBe("chime-test");
  });

  it("answers IPv6 and an AS with its announced prefixes", async () => {
    server = await serveRipeStat(DATA);
    expect(await source(server).lookup(parseIp("2001:67c:2e8::2")!)).toMatchObject({
      origins: [3333],
      prefix: "2001:67c:2e8::/48",
      country: "NL",
    });
    expect(await source(server).describeAs(3333)).toEqual({
      asn: 3333,
      name: "RIPE-NCC-AS - Reseaux IP Europeens Network Coordination Centre (RIPE NCC)",
      country: "NL",
      registry: null,
      allocated: null,
      prefixes: ["193.0.0.0/21", "193.0.10.0/23", "2001:67c:2e8::/48"],
    });
  });

  it("says not found when network-info lists no AS", async () => {
    server = await serveRipeStat(DATA);
    expect(await source(server).lookup(parseIp("8.8.4.4")!)).toEqual({ kind: "not-found", address: "8.8.4.4", source: "ripestat" });
  });

  it("waits out a 429 with Retry-After, then asks again", async () => {
    server = await serveRipeStat(DATA, (endpoint, _r, res, n) => {
      if (endpoint !== "network-info" || n > 1) return false;
      res.writeHead(429, { "retry-after": "1" });
      res.end("slow down");
      return true;
    });
    expect(await source(server).lookup(parseIp("140.78.90.50")!)).toMatchObject({ origins: [1205] });
    expect(server.paths.filter((p) => p.includes("network-info")).length).toBe(2);
  });

  it("fails at once on a Retry-After longer than it is willing to wait, and after a bounded number of 429s", async () => {
    server = await serveRipeStat(DATA, (_e, _r, res) => {
      res.writeHead(429, { "retry-after": "3600" });
      res.end();
      return true;
    });
    await expect(source(server).lookup(parseIp("140.78.90.50")!)).rejects.toThrow(/Retry-After 3600 s is longer than 10 s/);
    expect(server.paths.length).toBe(1);
    await server.stop();
    server = await serveRipeStat(DATA, (_e, _r, res) => {
      res.writeHead(429, { "retry-after": "0" });
      res.end();
      return true;
    });
    await expect(source(server, { maxRetries: 2 }).lookup(parseIp("140.78.90.50")!)).rejects.toThrow(
      /still rate-limited \(429\) after 2 retries/,
    );
    expect(server.paths.length).toBe(3);
  });

  it("fails on garbage, on an error envelope and on a missing asns list", async () => {
    server = await serveRipeStat(DATA, (_e, resource, res) => {
      if (resource === "1.1.1.1") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end("<html>oops</html>");
      } else if (resource === "1.1.1.2") {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ status: "error", status_code: 500, messages: [["error", "backend down"]], data: {} }));
      } else if (resource === "1.1.1.3") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ status: "ok", status_code: 200, data: { prefix: "1.1.1.0/24" } }));
      } else return false;
      return true;
    });
    await expect(source(server).lookup(parseIp("1.1.1.1")!)).rejects.toThrow(/network-info: HTTP 200, not JSON/);
    await expect(source(server).lookup(parseIp("1.1.1.2")!)).rejects.toThrow(/HTTP 500, status "error" \(error: backend down\)/);
    await expect(source(server).lookup(parseIp("1.1.1.3")!)).rejects.toThrow(/no asns list/);
  });

  it("reads Retry-After as seconds or as an HTTP-date (RFC 9110 §10.2.3)", () => {
    const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");
    expect(retryAfterMs("120", now)).toBe(120_000);
    expect(retryAfterMs("Wed, 21 Oct 2015 07:28:30 GMT", now)).toBe(30_000);
    expect(retryAfterMs("soon", now)).toBeNull();
  });
});
