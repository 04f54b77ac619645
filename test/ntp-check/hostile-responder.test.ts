import { afterEach, describe, expect, test } from "vitest";
import { pollPeer, type PollOptions } from "../../src/jobs/ntp-check/poll-peer.js";
import { ntpFromUnixMs } from "../../src/jobs/ntp-check/ntp-timestamp.js";
import { systemNtpClock } from "../../src/jobs/ntp-check/query-server.js";
import { defaultReplyLimits } from "../../src/jobs/ntp-check/validate-reply.js";
import { goodReply, startResponder, type Behaviour, type Request, type Responder } from "./helpers/udp-responder.js";
import { ntpAt, writeReply } from "./helpers/ntp-wire.js";

// The hand-written UDP responder sends what real servers will not; the client must keep
// its head: record the right reason, drop forgeries, stop when told to.
const opened: Responder[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((r) => r.close()));
});

const base: PollOptions = { samples: 4, spacingMs: 20, timeoutMs: 250, limits: defaultReplyLimits, clock: systemNtpClock };

async function poll(behaviour: Behaviour, opts: Partial<PollOptions> = {}, serverClockMs?: () => number) {
  const r = await startResponder(behaviour, serverClockMs);
  opened.push(r);
  const result = await pollPeer({ server: "test", address: r.address, port: r.port }, { ...base, ...opts });
  return { result, requests: r.requests.length };
}

/** NTP's own error bound: the true offset lies within θ ± δ/2 (plus clock rounding). */
function expectOffset(s: { offset: number; delay: number }, truth: number): void {
  expect(Math.abs(s.offset - truth)).toBeLessThanOrEqual(s.delay / 2 + 1e-5);
}

const kod =
  (code: string): Behaviour =>
  (req) => [
    {
      bytes: writeReply({
        stratum: 0,
        refId: code,
        origin: req.nonce,
        mode: 4,
        version: req.version,
        receive: req.receive,
        transmit: req.receive,
      }),
    },
  ];

describe("hostile packets from a hand-written responder", () => {
  test.each(["RATE", "DENY", "RSTR"])("KoD %s: recorded, and no further request this poll", async (code) => {
    const { result, requests } = await poll(kod(code));
    expect(requests).toBe(1);
    expect(result.kissCode).toBe(code);
    expect(result.best).toBeNull();
    expect(result.failures[0]).toMatchObject({ reason: "kiss-of-death", kissCode: code });
  });

  test("an unknown kiss code (INIT) is reported but does not stop sampling", async () => {
    const { result, requests } = await poll(kod("INIT"));
    expect(requests).toBe(4);
    expect(result.kissCode).toBeUndefined();
    expect(result.failures.map((f) => f.reason)).toEqual(Array(4).fill("kiss-of-death"));
  });

  test.each([
    ["bad-mode", { mode: 5 }],
    ["bad-version", { version: 3 }],
    ["zero-transmit", { transmit: 0n }],
    ["unsynchronised", { leap: 3 }],
    ["bad-stratum", { stratum: 16 }],
  ] as const)("%s is recorded with its reason", async (reason, over) => {
    const { result } = await poll((req) => [{ bytes: goodReply(req, undefined, over) }], { samples: 2 });
    expect(result.best).toBeNull();
    expect(result.failures.map((f) => f.reason)).toEqual([reason, reason]);
  });

  test("T3 before T2 is refused as broken server times", async () => {
    const { result } = await poll((req) => [{ bytes: goodReply(req, undefined, { transmit: req.receive - (1n << 22n) }) }], { samples: 1 });
    expect(result.failures[0]).toMatchObject({ reason: "bad-server-times" });
  });

  test("short packets only: the poll says so after the timeout", async () => {
    const { result } = await poll((req) => [{ bytes: goodReply(req).subarray(0, 40) }], { samples: 1 });
    expect(result.failures[0]).toMatchObject({ reason: "short", detail: expect.stringContaining("40 bytes") });
  });

  test("a spoofed reply with a wrong origin arriving first is dropped; the real one counts", async () => {
    const { result } = await poll(
      (req) => [
        { bytes: goodReply(req, () => Date.now() + 5000, { origin: req.nonce ^ 0xffn }) },
        { bytes: () => goodReply(req), delayMs: 30 },
      ],
      { samples: 2 },
    );
    expect(result.samples).toHaveLength(2);
    expectOffset(result.best!, 0); // not the forger's +5 s
  });

  test("a reply from another port is dropped; alone it leaves the reason wrong-source", async () => {
    const spoofFirst = await poll(
      (req) => [
        { bytes: goodReply(req, () => Date.now() - 3000), fromOtherPort: true },
        { bytes: () => goodReply(req), delayMs: 30 },
      ],
      { samples: 1 },
    );
    expect(spoofFirst.result.samples).toHaveLength(1);
    expectOffset(spoofFirst.result.best!, 0);
    const only = await poll((req) => [{ bytes: goodReply(req), fromOtherPort: true }], { samples: 1 });
    expect(only.result.failures[0]).toMatchObject({ reason: "wrong-source" });
  });

  test("a reply from another address is dropped too", async () => {
    const { result } = await poll((req) => [{ bytes: goodReply(req), fromOtherAddress: true }], { samples: 1 });
    expect(result.failures[0]).toMatchObject({ reason: "wrong-source", detail: expect.stringContaining("reply from 127.0.0.2") });
  });

  test("duplicate replies count once", async () => {
    const { result, requests } = await poll(
      (req) => [{ bytes: goodReply(req) }, { bytes: goodReply(req) }, { bytes: goodReply(req), delayMs: 5 }],
      { samples: 3 },
    );
    expect(requests).toBe(3);
    expect(result.samples).toHaveLength(3);
    expect(result.failures).toHaveLength(0);
  });

  test("a late reply (after the timeout) is a timeout and cannot pose as the next sample's answer", async () => {
    const lateThenGood: Behaviour = (req) =>
      req.index === 0
        ? [{ bytes: () => goodReply(req, () => Date.now() + 7000), delayMs: 400 }]
        : [{ bytes: () => goodReply(req), delayMs: 150 }];
    const { result } = await poll(lateThenGood, { samples: 2, timeoutMs: 300, spacingMs: 0 });
    expect(result.failures).toEqual([{ reason: "timeout", detail: "no reply within 300 ms" }]);
    expect(result.samples).toHaveLength(1);
    expectOffset(result.samples[0]!, 0);
  });

  test("the minimum-delay sample is kept and jitter is the RMS of the others' offsets around it", async () => {
    // Replies held back 0, 60, 30, 90 ms as if by the network: T2 = T3 = departure, so
    // δ ≈ hold and θ ≈ hold / 2. The holds actually achieved (timers fire late under load)
    // are recorded. Which sample has the least delay is not decided by the holds alone: the
    // round trip around a hold (both event loops, under load) can exceed the 30 ms between two
    // planned holds, so the expected best sample is found from the delays, each of which must
    // contain its hold.
    const planned = [0, 60, 30, 90];
    const held: number[] = [];
    const late = (req: Request) => () => {
      const now = ntpAt(performance.timeOrigin + performance.now());
      held[req.index] = Number(now - req.receive) / 2 ** 32;
      return goodReply(req, undefined, { receive: now, transmit: now });
    };
    const { result } = await poll((req) => [{ bytes: late(req), delayMs: planned[req.index]! }], { samples: 4, timeoutMs: 500 });
    expect(result.samples).toHaveLength(4);
    for (const [i, x] of result.samples.entries()) expect(x.delay).toBeGreaterThanOrEqual(held[i]! - 1e-6);
    const delays = result.samples.map((x) => x.delay);
    const bestIndex = delays.indexOf(Math.min(...delays));
    // RFC 5905's clock filter: the minimum-delay sample
    expect(result.best).toBe(result.samples[bestIndex]);
    // jitter (RFC 5905 §10): √(Σ(θᵢ − θ_best)² / 3) over the others, with θ ≈ hold / 2 each,
    // off by at most half its network time (δ − hold); allow the worst two
    const expected = Math.sqrt(held.filter((_, i) => i !== bestIndex).reduce((a, h) => a + ((h - held[bestIndex]!) / 2) ** 2, 0) / 3);
    const network = result.samples.map((x, i) => x.delay - held[i]!);
    expect(Math.abs(result.jitter - expected)).toBeLessThanOrEqual(Math.max(...network) + 1e-4);
    // the holds really spread (timers fire late, never early), so the jitter checked is not ~0
    expect(expected).toBeGreaterThan(0.005);
  });

  test("2036: our clock and the server's cross the era wrap during the poll; offset stays +250 ms", async () => {
    const start = performance.now();
    const era1 = (2 ** 32 - 2_208_988_800) * 1000;
    const ours = (): number => era1 - 60 + (performance.now() - start);
    const server = (): number => ours() + 250;
    const { result } = await poll(
      (req) => [{ bytes: goodReply(req, server) }],
      { samples: 4, spacingMs: 30, clock: () => ntpFromUnixMs(ours()) },
      server,
    );
    expect(result.samples).toHaveLength(4);
    for (const s of result.samples) expectOffset(s, 0.25);
  });
});
