import { describe, expect, test } from "vitest";
import { checkReply, type SentQuery } from "../../src/jobs/ntp-check/validate-reply.js";
import { writeReply, type ReplyFields } from "./helpers/ntp-wire.js";

// One packet per validation rule of docs/ntp-check.md, each breaking exactly that rule; the base reply is
// valid. Times are chosen as binary fractions so offset and delay are exact:
//   T2 − T1 = 1/2 s, T3 − T2 = 1/1024 s, T4 − T1 = 1/256 s
//   θ = ((T2 − T1) + (T3 − T4)) / 2 = 1/2 − 3/2048 s,  δ = (T4 − T1) − (T3 − T2) = 3/1024 s
const S = 1n << 32n; // one second in NTP units
const T1 = 3_900_000_000n * S; // 2023-08-03, any era-0 time will do
const NONCE = 0x0123_4567_89ab_cdefn;
const sent: SentQuery = { address: "127.0.0.1", port: 11123, version: 4, nonce: NONCE, t1: T1 };
const T2 = T1 + S / 2n;
const T3 = T2 + S / 1024n;
const T4 = T1 + S / 256n;

function reply(over: Partial<ReplyFields> = {}, from = { address: "127.0.0.1", port: 11123 }, t4 = T4) {
  const bytes = writeReply({
    leap: 0,
    version: 4,
    mode: 4,
    stratum: 2,
    origin: NONCE,
    receive: T2,
    transmit: T3,
    reference: T1 - 64n * S,
    ...over,
  });
  return checkReply(sent, { bytes, ...from, t4 });
}

describe("reply validation, rule by rule, in the documented order", () => {
  test("a good reply gives θ and δ of RFC 5905 §8", () => {
    const r = reply();
    expect(r.kind).toBe("sample");
    if (r.kind !== "sample") return;
    expect(r.sample.offset).toBe(0.5 - 3 / 2048);
    expect(r.sample.delay).toBe(3 / 1024);
    expect(r.sample.refId).toBe("10.0.0.1");
  });

  test("1. source: a reply from another address or port is ignored", () => {
    expect(reply({}, { address: "127.0.0.2", port: 11123 })).toMatchObject({ kind: "ignored", reason: "wrong-source" });
    expect(reply({}, { address: "127.0.0.1", port: 11124 })).toMatchObject({ kind: "ignored", reason: "wrong-source" });
  });

  test("2. length: 47 bytes are ignored, 68 (with an extension) are fine", () => {
    expect(reply({ length: 47 })).toMatchObject({ kind: "ignored", reason: "short", detail: expect.stringContaining("47 bytes") });
    expect(reply({ length: 68 }).kind).toBe("sample");
  });

  test("3. origin: a reply not echoing our nonce is ignored (zero origin too)", () => {
    expect(reply({ origin: NONCE ^ 1n })).toMatchObject({ kind: "ignored", reason: "bogus-origin" });
    expect(reply({ origin: 0n })).toMatchObject({ kind: "ignored", reason: "bogus-origin" });
  });

  test("4. mode: only 4 (server) is a reply", () => {
    for (const mode of [0, 1, 2, 3, 5, 6, 7]) expect(reply({ mode })).toMatchObject({ kind: "rejected", reason: "bad-mode" });
  });

  test("5. version: must be the one we sent", () => {
    expect(reply({ version: 3 })).toMatchObject({ kind: "rejected", reason: "bad-version", detail: "version 3, sent 4" });
  });

  test("6. transmit: zero is refused", () => {
    expect(reply({ transmit: 0n })).toMatchObject({ kind: "rejected", reason: "zero-transmit" });
  });

  test("7. stratum 0: kiss codes, chrony's unsynchronised encoding, or neither", () => {
    for (const code of ["RATE", "DENY", "RSTR", "INIT", "XFOO"]) {
      expect(reply({ stratum: 0, refId: code })).toMatchObject({ kind: "rejected", reason: "kiss-of-death", kissCode: code });
    }
    // RFC 8633 §5.4: a KoD is honoured only with a matching origin
    expect(reply({ stratum: 0, refId: "DENY", origin: 42n })).toMatchObject({ kind: "ignored", reason: "bogus-origin" });
    expect(reply({ stratum: 0, refId: 0, leap: 3, rootDelay: 1, rootDispersion: 1 })).toMatchObject({
      kind: "rejected",
      reason: "unsynchronised",
    });
    expect(reply({ stratum: 0, refId: 0, leap: 0 })).toMatchObject({ kind: "rejected", reason: "bad-stratum" });
    expect(reply({ stratum: 0, refId: 0x01020304 })).toMatchObject({ kind: "rejected", reason: "bad-stratum" });
    // an ntpd that lost sync: stratum 16 sent as 0, LI=3, its old upstream 192.0.2.1 as refid
    expect(reply({ stratum: 0, refId: 0xc0000201, leap: 3 })).toMatchObject({ kind: "rejected", reason: "unsynchronised" });
  });

  test("8. LI=3 with a normal stratum: unsynchronised (the incident's peer)", () => {
    expect(reply({ leap: 3, stratum: 2 })).toMatchObject({
      kind: "rejected",
      reason: "unsynchronised",
      detail: "unsynchronised (LI=3, stratum 2)",
    });
  });

  test("9. stratum 16 and above", () => {
    for (const stratum of [16, 17, 255]) expect(reply({ stratum })).toMatchObject({ kind: "rejected", reason: "bad-stratum" });
    expect(reply({ stratum: 15 }).kind).toBe("sample");
  });

  test("10. root distance above 1.5 s", () => {
    expect(reply({ rootDelay: 1, rootDispersion: 1.0625 })).toMatchObject({ kind: "rejected", reason: "bad-root-distance" });
    expect(reply({ rootDelay: 1, rootDispersion: 0.9375 }).kind).toBe("sample");
  });

  test("T3 before T2, or no receive timestamp: the server's times are broken", () => {
    expect(reply({ transmit: T2 - S / 1024n })).toMatchObject({ kind: "rejected", reason: "bad-server-times" });
    expect(reply({ receive: 0n })).toMatchObject({ kind: "rejected", reason: "bad-server-times" });
  });

  test("11. delay: negative, or above 1 s", () => {
    // hold time 1/1024 s longer than our whole round trip of 1/2048 s
    expect(reply({}, undefined, T1 + S / 2048n)).toMatchObject({ kind: "rejected", reason: "negative-delay" });
    expect(reply({}, undefined, T1 + 2n * S)).toMatchObject({ kind: "rejected", reason: "absurd-delay" });
  });

  test("the first broken rule wins", () => {
    expect(reply({ mode: 3, version: 2, transmit: 0n })).toMatchObject({ reason: "bad-mode" });
    expect(reply({ version: 2, transmit: 0n })).toMatchObject({ reason: "bad-version" });
    expect(reply({ stratum: 0, refId: "DENY", leap: 3 })).toMatchObject({ reason: "kiss-of-death", kissCode: "DENY" });
  });

  test("reference age is read on the server's clock: a server 3 days behind us, last set 64 s before T3", () => {
    const days3 = 3n * 86_400n * S;
    const r = reply({ receive: T2 - days3, transmit: T3 - days3, reference: T3 - days3 - 64n * S });
    expect(r).toMatchObject({ kind: "sample", sample: { referenceAge: 64 } });
  });

  test("13. LI 1 and 2 are valid data, surfaced on the sample", () => {
    const r = reply({ leap: 1, stratum: 1, refId: "GPS" });
    expect(r).toMatchObject({ kind: "sample", sample: { leap: 1, refId: "GPS" } });
  });

  test("2036: our request in era 0, the server's times in era 1 — θ and δ unchanged", () => {
    const t1 = (1n << 64n) - S / 4n; // 2036-02-07T06:28:15.75Z, the last quarter second of era 0
    const s: SentQuery = { ...sent, t1 };
    const t2 = (t1 + S / 2n) & ((1n << 64n) - 1n);
    const t3 = t2 + S / 1024n;
    const t4 = (t1 + S / 256n) & ((1n << 64n) - 1n);
    const bytes = writeReply({ origin: NONCE, receive: t2, transmit: t3 });
    const r = checkReply(s, { bytes, address: "127.0.0.1", port: 11123, t4 });
    expect(r).toMatchObject({ kind: "sample", sample: { offset: 0.5 - 3 / 2048, delay: 3 / 1024 } });
  });
});
