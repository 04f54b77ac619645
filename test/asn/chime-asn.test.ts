import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { BIN } from "../cli/run-bin.js";
import type { LoopbackHttp } from "../helpers/loopback-http.js";
import { startUnbound, withUnbound, type UnboundServer } from "../helpers/unbound-server.js";
import { serveRcode, type RcodeDns } from "./helpers/rcode-dns.js";
import { serveRipeStat } from "./helpers/ripestat-server.js";

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The built CLI, asynchronously: the test's own servers must keep answering meanwhile. */
function chimeAsn(args: readonly string[], input = "", env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(`${BIN}/chime.cjs`, ["asn", ...args], {
      env: { ...process.env, CHIME_LOG_STAMP: "none", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}

const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

withUnbound.describe("chime asn", () => {
  let unbound: UnboundServer;
  let servfail: RcodeDns;
  let ripe: LoopbackHttp;
  let ripeDown: LoopbackHttp;
  let dir: string;
  let table: string;
  beforeAll(async () => {
    unbound = await startUnbound({
      serverLines: [
        'local-zone: "asn.cymru.com." static',
        `local-data: '31.108.90.216.origin.asn.cymru.com. 300 IN TXT "23028 | 216.90.108.0/24 | US | arin | 1998-09-25"'`,
        `local-data: 'AS23028.asn.cymru.com. 300 IN TXT "23028 | US | arin | 2002-01-04 | TEAM-CYMRU - Team Cymru Inc., US"'`,
        `local-data: 'AS3333.asn.cymru.com. 300 IN TXT "3333 | EU | ripencc | 1993-09-01 | RIPE-NCC-AS Reseaux IP Europeens Network Coordination Centre (RIPE NCC), NL"'`,
      ],
    });
    servfail = await serveRcode(2);
    ripe = await serveRipeStat({ announced: { AS3333: ["193.0.0.0/21", "2001:67c:2e8::/48"] }, holders: { AS3333: "RIPE-NCC-AS" } });
    ripeDown = await serveRipeStat({}, (_e, _r, res) => {
      res.writeHead(503, { "content-type": "text/html" });
      res.end("<h1>down</h1>");
      return true;
    });
    dir = await mkdtemp(join(tmpdir(), "chime-asn-cli-"));
    table = join(dir, "ip2asn.tsv");
    await writeFile(table, "216.90.108.0\t216.90.108.255\t23028\tUS\tTEAM-CYMRU\n9.9.9.0\t9.9.9.255\t19281\tUS\tQUAD9-1\n");
  });
  afterAll(async () => {
    await unbound?.stop();
    await servfail?.stop();
    await ripe?.stop();
    await ripeDown?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const dns = () => `${unbound.host}:${unbound.port}`;

  withUnbound.it("answers an address through Team Cymru and prints the table", async () => {
    const r = await chimeAsn(["--dns-server", dns(), "--source", "cymru", "216.90.108.31"]);
    expect(r.status).toBe(0);
    const [header, row] = r.stdout
      .trim()
      .split("\n")
      .map((l) => l.split(/\s{2,}/));
    expect(header).toEqual(["query", "address", "as", "prefix", "cc", "registry", "allocated", "name", "source"]);
    expect(row).toEqual([
      "216.90.108.31",
      "216.90.108.31",
      "AS23028",
      "216.90.108.0/24",
      "US",
      "arin",
      "1998-09-25",
      "TEAM-CYMRU - Team Cymru Inc., US",
      "cymru",
    ]);
  });

  withUnbound.it("falls back in the order given: SERVFAIL from DNS, RIPEstat down, then the local table", async () => {
    const r = await chimeAsn([
      "--json",
      "--dns-server",
      servfail.server,
      "--ripestat-url",
      ripeDown.url,
      "--db",
      table,
      "--source",
      "cymru,ripestat,db",
      "9.9.9.9",
    ]);
    expect(r.status).toBe(0);
    expect(jsonLines(r.stdout)).toEqual([
      {
        query: "9.9.9.9",
        kind: "answer",
        address: "9.9.9.9",
        origins: [19281],
        prefix: "9.9.9.0/24",
        country: "US",
        registry: null,
        allocated: null,
        asName: "QUAD9-1",
        source: "db",
      },
    ]);
  });

  withUnbound.it("believes a source that says not announced: the next source is not asked", async () => {
    // 9.9.9.9 has no record in the fake Cymru zone (NXDOMAIN), while the table has it
    const r = await chimeAsn(["--json", "--dns-server", dns(), "--db", table, "--source", "cymru,db", "9.9.9.9"]);
    expect(r.status).toBe(0);
    expect(jsonLines(r.stdout)).toEqual([{ query: "9.9.9.9", kind: "not-found", address: "9.9.9.9", source: "cymru" }]);
  });

  withUnbound.it("exits 111 naming every source's failure when none can answer", async () => {
    const r = await chimeAsn([
      "--json",
      "--dns-server",
      servfail.server,
      "--ripestat-url",
      ripeDown.url,
      "--source",
      "cymru,ripestat",
      "9.9.9.9",
    ]);
    expect(r.status).toBe(111);
    const [row] = jsonLines(r.stdout);
    expect(row).toMatchObject({ kind: "failed", address: "9.9.9.9" });
    expect((row!.errors as string[]).map((e) => e.split(":")[0])).toEqual(["cymru", "ripestat"]);
    expect(r.stderr).toMatch(/asn: 9\.9\.9\.9: cymru: .*ESERVFAIL.*; ripestat: .*HTTP 503/);
  });

  withUnbound.it("answers special-purpose addresses without asking anyone", async () => {
    const before = servfail.queries;
    const pathsBefore = ripeDown.paths.length;
    const r = await chimeAsn([
      "--json",
      "--dns-server",
      servfail.server,
      "--ripestat-url",
      ripeDown.url,
      "10.0.0.1",
      "fd12::1",
      "198.51.100.9",
    ]);
    expect(r.status).toBe(0);
    expect(jsonLines(r.stdout).map((x) => [x.address, x.kind, x.rfc])).toEqual([
      ["10.0.0.1", "special", "RFC 1918"],
      ["fd12::1", "special", "RFC 4193"],
      ["198.51.100.9", "special", "RFC 5737"],
    ]);
    expect(servfail.queries).toBe(before);
    expect(ripeDown.paths.length).toBe(pathsBefore);
  });

  withUnbound.it("reads bulk input on stdin: comments and blank lines skipped, names resolved, AS numbers described", async () => {
    const input = "# peers\n216.90.108.31\n\nlocalhost\nAS3333\n";
    const r = await chimeAsn(["--json", "--dns-server", dns(), "--ripestat-url", ripe.url, "--source", "cymru,ripestat"], input);
    expect(r.status).toBe(0);
    const rows = jsonLines(r.stdout);
    expect(rows[0]).toMatchObject({ query: "216.90.108.31", origins: [23028] });
    // every address a name has is kept; localhost is loopback wherever it points
    const local = rows.filter((x) => x.query === "localhost");
    expect(local.length).toBeGreaterThanOrEqual(1);
    for (const l of local) expect(l).toMatchObject({ kind: "special", purpose: "loopback" });
    // the name from Team Cymru, the prefixes (which Cymru's DNS does not list) from RIPEstat
    expect(rows.at(-1)).toEqual({
      query: "AS3333",
      kind: "as",
      asn: 3333,
      name: "RIPE-NCC-AS Reseaux IP Europeens Network Coordination Centre (RIPE NCC), NL",
      country: "EU",
      registry: "ripencc",
      allocated: "1993-09-01",
      prefixes: ["193.0.0.0/21", "2001:67c:2e8::/48"],
      sources: ["cymru", "ripestat"],
    });
  });

  withUnbound.it("refuses bad input with exit 100, naming it and where it came from, before any query", async () => {
    const before = servfail.queries;
    const r = await chimeAsn(["--dns-server", servfail.server], "9.9.9.9\n8.8.8.8\nnot an address!\n");
    expect(r.status).toBe(100);
    expect(r.stderr).toContain('asn: not an address, AS number or host name: "not an address!" (stdin line 3)');
    expect(r.stdout).toBe("");
    expect(servfail.queries).toBe(before);
    const bad = await chimeAsn(["--source", "cymru,whois", "9.9.9.9"]);
    expect(bad.status).toBe(100);
    expect(bad.stderr).toContain('asn: --source: not a source (cymru, ripestat, db): "whois"');
    const badEnv = await chimeAsn(["9.9.9.9"], "", { CHIME_ASN_TIMEOUT: "soon" });
    expect(badEnv.status).toBe(100);
    expect(badEnv.stderr).toContain("CHIME_ASN_TIMEOUT (environment): not a duration");
  });

  withUnbound.it("keeps answers in the state directory's cache and uses them while the sources are down", async () => {
    const state = join(dir, "state");
    await (await import("node:fs/promises")).mkdir(state);
    const first = await chimeAsn(["--json", "--state-dir", state, "--dns-server", dns(), "--source", "cymru", "216.90.108.31"]);
    expect(first.status).toBe(0);
    const cache = JSON.parse(await readFile(join(state, "asn-cache.json"), "utf8")) as { entries: Record<string, unknown> };
    expect(Object.keys(cache.entries)).toContain("ip 216.90.108.31");
    const again = await chimeAsn(["--json", "--state-dir", state, "--dns-server", servfail.server, "--source", "cymru", "216.90.108.31"]);
    expect(again.status).toBe(0);
    expect(jsonLines(again.stdout)[0]).toEqual(jsonLines(first.stdout)[0]);
    // with a TTL of zero the cache is not used: the dead server is asked
    const expired = await chimeAsn([
      "--json",
      "--state-dir",
      state,
      "--cache-ttl",
      "0s",
      "--dns-server",
      servfail.server,
      "--source",
      "cymru",
      "216.90.108.31",
    ]);
    expect(expired.status).toBe(111);
  });
});
