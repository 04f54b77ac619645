import { afterEach, describe, expect, test } from "vitest";
import { parseNtpCheckArgs } from "../../src/jobs/ntp-check/check-options.js";
import { NtpCheckJob } from "../../src/jobs/ntp-check/ntp-check-job.js";
import { formatOnce } from "../../src/jobs/ntp-check/spec.js";
import { systemNtpClock } from "../../src/jobs/ntp-check/query-server.js";
import type { Resolver } from "../../src/jobs/ntp-check/server-address.js";
import { goodReply, startResponder, type Responder } from "./helpers/udp-responder.js";
import { writeReply } from "./helpers/ntp-wire.js";
import { testContext, type TestContext } from "./helpers/job-context.js";

const opened: Responder[] = [];
const contexts: TestContext[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((r) => r.close()));
  await Promise.all(contexts.splice(0).map((c) => c.cleanup()));
});

function job(args: string[], resolver: Resolver = async (h) => [h]): NtpCheckJob {
  return new NtpCheckJob(parseNtpCheckArgs(args, {}), { resolver, clock: systemNtpClock });
}
async function ctxAt(nowMs: () => number = () => Date.now(), signal?: AbortSignal): Promise<TestContext> {
  const c = await testContext(nowMs);
  contexts.push(c);
  return signal ? { ...c, signal } : c;
}

describe("ntp-check job behaviour", () => {
  test("a name with two addresses is two peers, each polled (as ntpctl lists pool members)", async () => {
    const a = await startResponder((req) => [{ bytes: goodReply(req) }], undefined, { address: "127.0.0.2" });
    opened.push(a);
    const b = await startResponder((req) => [{ bytes: goodReply(req) }], undefined, { address: "127.0.0.3", port: a.port });
    opened.push(b);
    const r = await job(["--samples", "1", "--min-peers", "2", `pool.test:${a.port}`], async (h) =>
      h === "pool.test" ? ["127.0.0.2", "127.0.0.3"] : [],
    ).run(await ctxAt());
    expect(r.judgement.peers.map((p) => [p.label, p.verdict])).toEqual([
      [`127.0.0.2:${a.port}`, "valid"],
      [`127.0.0.3:${a.port}`, "valid"],
    ]);
    expect([a.requests.length, b.requests.length]).toEqual([1, 1]);
    expect(r.status).toBe("ok");
    // run once without --verbose: just the Nagios status line
    expect(formatOnce(r)).toBe(`${r.summary}\n`);
    // an offset that rounds to 0.0 ms is printed without a sign (formatMs: no direction shown)
    expect(r.summary).toMatch(
      /^NTP OK: 2\/2 peers valid, median offset (?:[+-]\d+\.\d|0\.0) ms, mean abs offset \d+\.\d ms, max stratum 2\|offset=/,
    );
  });

  test("one machine under two names is one peer: a second name cannot fake the --min-peers count", async () => {
    const a = await startResponder((req) => [{ bytes: goodReply(req) }]);
    opened.push(a);
    const resolver: Resolver = async (h) => (h === "ntp1.test" || h === "ntp2.test" ? ["127.0.0.1"] : [h]);
    const r = await job(
      ["--samples", "1", "--min-peers", "2", `ntp1.test:${a.port}`, `ntp2.test:${a.port}`, `127.0.0.1:${a.port}`],
      resolver,
    ).run(await ctxAt());
    expect(r.judgement.peers.map((p) => p.label)).toEqual([`127.0.0.1:${a.port}`]);
    expect(a.requests).toHaveLength(1);
    expect(r.judgement.stats).toMatchObject({ configured: 1, valid: 1 });
    expect(r.status).toBe("critical");
    expect(r.summary).toMatch(/^NTP CRITICAL: only 1 of 1 peers valid \(minimum 2\)/);
  });

  test("IPv6: [::1]:port is polled over udp6", async () => {
    const r6 = await startResponder((req) => [{ bytes: goodReply(req) }], undefined, { address: "::1" });
    opened.push(r6);
    const r = await job(["--samples", "1", "--min-peers", "1", `[::1]:${r6.port}`]).run(await ctxAt());
    expect(r.judgement.peers.map((p) => [p.label, p.verdict])).toEqual([[`[::1]:${r6.port}`, "valid"]]);
    // written out in full, the address must still match the reply's source "::1"
    const longForm = await new NtpCheckJob(
      parseNtpCheckArgs(["--samples", "1", "--min-peers", "1", `[0:0:0:0:0:0:0:1]:${r6.port}`], {}),
    ).run(await ctxAt());
    expect(longForm.judgement.peers.map((p) => p.verdict)).toEqual(["valid"]);
  });

  test("an IPv4-mapped IPv6 address is polled, and the reply's source (::ffff:127.0.0.1) is recognised", async () => {
    const r4 = await startResponder((req) => [{ bytes: goodReply(req) }]);
    opened.push(r4);
    for (const written of [`[::ffff:127.0.0.1]:${r4.port}`, `[::ffff:7f00:1]:${r4.port}`]) {
      const r = await new NtpCheckJob(parseNtpCheckArgs(["--samples", "1", "--min-peers", "1", written], {})).run(await ctxAt());
      expect(r.judgement.peers.map((p) => [p.label, p.verdict])).toEqual([[`[::ffff:127.0.0.1]:${r4.port}`, "valid"]]);
    }
  });

  test("a name that does not resolve is a configured peer that failed, named in the summary", async () => {
    const fail: Resolver = async () => {
      throw Object.assign(new Error("queryA ENOTFOUND"), { code: "ENOTFOUND" });
    };
    const r = await job(["--samples", "1", "ntp.invalid"], fail).run(await ctxAt());
    expect(r.status).toBe("critical");
    expect(r.summary).toMatch(/^NTP CRITICAL: no valid peer \(of 1\); server ntp\.invalid: cannot resolve ntp\.invalid: ENOTFOUND\|/);
  });

  test("KoD RATE: not asked again until the back-off has passed (64 s, then doubling)", async () => {
    const r = await startResponder((req) => [
      { bytes: writeReply({ stratum: 0, refId: "RATE", origin: req.nonce, receive: req.receive, transmit: req.receive }) },
    ]);
    opened.push(r);
    let now = Date.UTC(2026, 0, 1);
    const j = job(["--samples", "4", "--min-peers", "1", `127.0.0.1:${r.port}`]);
    const ctx = await ctxAt(() => now);
    const first = await j.run(ctx);
    expect(r.requests.length).toBe(1);
    expect(first.summary).toContain(`peer 127.0.0.1:${r.port} kiss of death (kiss-o'-death RATE)`);
    now += 63_000;
    const held = await j.run(ctx);
    expect(r.requests.length).toBe(1);
    expect(held.judgement.peers[0]!.detail).toBe("kiss-o'-death RATE earlier; not asked again before 2026-01-01T00:01:04.000Z");
    now += 2_000;
    await j.run(ctx);
    expect(r.requests.length).toBe(2);
    now += 100_000; // the second RATE doubled the hold to 128 s
    await j.run(ctx);
    expect(r.requests.length).toBe(2);
  });

  test("shutdown: an aborted signal ends a poll at once, as UNKNOWN, instead of waiting out timeouts", async () => {
    const silent = await startResponder(() => []);
    opened.push(silent);
    const ac = new AbortController();
    const started = performance.now();
    const run = job(["--samples", "4", "--timeout", "20s", `127.0.0.1:${silent.port}`]).run(await ctxAt(undefined, ac.signal));
    setTimeout(() => ac.abort(), 50);
    const r = await run;
    expect(performance.now() - started).toBeLessThan(5_000); // far below 4 × 20 s
    expect(silent.requests.length).toBe(1);
    expect(r.status).toBe("unknown");
    expect(r.summary).toMatch(/^NTP UNKNOWN: poll aborted\|/);
  });
});
