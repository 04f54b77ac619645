import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { parseNtpCheckArgs } from "../../src/jobs/ntp-check/check-options.js";
import { NtpCheckJob } from "../../src/jobs/ntp-check/ntp-check-job.js";
import { systemNtpClock } from "../../src/jobs/ntp-check/query-server.js";
import { formatOnce } from "../../src/jobs/ntp-check/spec.js";
import { requires } from "../support/requires.js";
import { startUnbound, type UnboundServer } from "../helpers/unbound-server.js";
import { serveRcode, type RcodeDns } from "../asn/helpers/rcode-dns.js";
import { startChronyd, type ChronyServer } from "./helpers/chrony-rig.js";
import { testContext, type TestContext } from "./helpers/job-context.js";

// Real chronyd peers on 127.0.0.2, .3 and .4, each mapped to an AS by a real unbound serving
// Team Cymru-shaped TXT records. Loopback addresses are special-purpose (RFC 6890) and would be
// answered without a query, so the job is told to treat nothing as special here.
const rig = requires("chronyd", "chronyc", "perl Time::HiRes", "root", "unbound", "unbound-control", "unbound-checkconf");

const ADDRESSES = ["127.0.0.2", "127.0.0.3", "127.0.0.4"];
const reversed = (a: string) => a.split(".").reverse().join(".");

rig.describe("ntp-check --asn with chronyd peers mapped to ASes by the fake DNS", () => {
  let peers: ChronyServer[] = [];
  let unbound: UnboundServer;
  let servfail: RcodeDns;
  const contexts: TestContext[] = [];
  beforeAll(async () => {
    peers = await Promise.all(ADDRESSES.map((a) => startChronyd({ kind: "local", stratum: 2 }, 15_000, a)));
    unbound = await startUnbound({
      serverLines: [
        'local-zone: "asn.cymru.com." static',
        `local-data: 'AS64500.asn.cymru.com. 300 IN TXT "64500 | DE | ripencc | 2001-01-01 | HOBBY-NET Example Hobbyist"'`,
        `local-data: 'AS64501.asn.cymru.com. 300 IN TXT "64501 | NL | ripencc | 2002-02-02 | UNI-NET Example University"'`,
      ],
    });
    servfail = await serveRcode(2);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(peers.map((p) => p.stop()));
    await unbound?.stop();
    await servfail?.stop();
    await Promise.all(contexts.map((c) => c.cleanup()));
  });

  /** Points each peer address at an AS in the fake Cymru zone. */
  function mapPeers(asns: number[]): void {
    ADDRESSES.forEach((a, i) => {
      // local_data adds to the record set: the old mapping goes first
      unbound.control("local_data_remove", `${reversed(a)}.origin.asn.cymru.com.`);
      const r = unbound.control(
        "local_data",
        `${reversed(a)}.origin.asn.cymru.com. 300 IN TXT "${asns[i]} | 127.0.0.0/8 | DE | ripencc | 2001-01-01"`,
      );
      expect(r.status).toBe(0);
    });
  }

  async function check(dns: string, ...more: string[]) {
    const ctx = await testContext();
    contexts.push(ctx);
    const args = [
      "--samples",
      "1",
      "--asn",
      "--asn-source",
      "cymru",
      "--asn-dns-server",
      dns,
      "-v",
      ...more,
      ...peers.map((p) => `${p.address}:${p.port}`),
    ];
    const job = new NtpCheckJob(parseNtpCheckArgs(args, {}), { resolver: async (h) => [h], clock: systemNtpClock, asnSpecial: () => null });
    const r = await job.run(ctx);
    return { r, ctx, job };
  }

  rig.it("three truechimers in one AS are a WARNING (default --min-asns 2 with 3 peers), naming the AS and its peers", async () => {
    mapPeers([64500, 64500, 64500]);
    const { r } = await check(`${unbound.host}:${unbound.port}`);
    expect(r.judgement.stats.truechimers).toBe(3);
    expect(r.status).toBe("warning");
    const labels = peers.map((p) => `${p.address}:${p.port}`).join(", ");
    expect(r.summary).toContain(
      `NTP WARNING: truechimers in 1 AS, fewer than --min-asns 2 (AS64500 HOBBY-NET Example Hobbyist (DE): ${labels})`,
    );
    // the verbose table says who runs each peer
    const report = formatOnce(r).split("\n");
    expect(report[1]).toMatch(/^peer\s+refid\s+st\s+li\s+offset\s+delay\s+jitter\s+n\s+as\s+verdict$/);
    for (const p of peers)
      expect(report.find((l) => l.startsWith(`${p.address}:${p.port}`))).toMatch(/AS64500 HOBBY-NET Example Hobbyist \(DE\)\s+valid$/);
    expect(r.metrics?.truechimer_asns).toBe(1);
  });

  rig.it("two ASes pass --min-asns 2 but not --min-asns 3; the metrics file labels each peer with its AS", async () => {
    mapPeers([64500, 64500, 64501]);
    const ok = await check(`${unbound.host}:${unbound.port}`);
    expect(ok.r.status).toBe("ok");
    expect(ok.r.summary).toMatch(/^NTP OK: 3\/3 peers valid/);
    const prom = join(ok.ctx.stateDir, "ntp.prom");
    const strict = await check(`${unbound.host}:${unbound.port}`, "--min-asns", "3", "--prom-file", prom);
    expect(strict.r.status).toBe("warning");
    expect(strict.r.summary).toContain("truechimers in 2 ASes, fewer than --min-asns 3");
    const text = await readFile(prom, "utf8");
    expect(text).toContain(
      `chime_ntp_peer_asn_info{peer="${peers[2]!.address}:${peers[2]!.port}",asn="64501",as_name="UNI-NET Example University",country="DE",result="answer"} 1`,
    );
    expect(text).toContain("chime_ntp_truechimer_asns 2");
  });

  rig.it("a failed lookup is only a note: the NTP verdict stands; the cache answers the next poll", async () => {
    mapPeers([64500, 64501, 64501]);
    const failing = await check(servfail.server);
    expect(failing.r.status).toBe("ok");
    expect(failing.r.summary).toMatch(
      /^NTP OK: 3\/3 peers valid, .*; AS unknown for 127\.0\.0\.2:\d+ \(cymru: TXT 2\.0\.0\.127\.origin\.asn\.cymru\.com: ESERVFAIL\)/,
    );

    // a poll with a working source fills the cache in its state dir; the next, with the source down, uses it
    const ctx = await testContext();
    contexts.push(ctx);
    const args = (dns: string) => [
      "--samples",
      "1",
      "--asn",
      "--asn-source",
      "cymru",
      "--asn-dns-server",
      dns,
      ...peers.map((p) => `${p.address}:${p.port}`),
    ];
    const deps = { resolver: async (h: string) => [h], clock: systemNtpClock, asnSpecial: () => null };
    const first = await new NtpCheckJob(parseNtpCheckArgs(args(`${unbound.host}:${unbound.port}`), {}), deps).run(ctx);
    expect(first.status).toBe("ok");
    const before = servfail.queries;
    const second = await new NtpCheckJob(parseNtpCheckArgs(args(servfail.server), {}), deps).run(ctx);
    expect(second.summary).not.toContain("AS unknown");
    expect(second.metrics?.truechimer_asns).toBe(2);
    expect(servfail.queries).toBe(before);
  });

  rig.it("without --asn nothing is asked and the table has no AS column", async () => {
    const ctx = await testContext();
    contexts.push(ctx);
    const before = servfail.queries;
    const job = new NtpCheckJob(parseNtpCheckArgs(["--samples", "1", "-v", ...peers.map((p) => `${p.address}:${p.port}`)], {}), {
      resolver: async (h) => [h],
      clock: systemNtpClock,
    });
    const r = await job.run(ctx);
    expect(r.asns).toBeNull();
    expect(formatOnce(r).split("\n")[1]).not.toMatch(/\bas\b/);
    expect(servfail.queries).toBe(before);
  });
});
