import { expect, test } from "vitest";
import { checkReply, defaultReplyLimits, type SentQuery } from "../../src/jobs/ntp-check/validate-reply.js";
import { writeReply } from "./helpers/ntp-wire.js";

// 100 000 random and mutated packets through parser + validator: nothing escapes as an
// exception, every refusal has a reason, and each verdict agrees with an independent
// oracle written here from RFC 4330 §5 / RFC 5905 §8 in the documented order (differential fuzzing).
const RUNS = 100_000;
const S = 1n << 32n;
const NONCE = 0x1122_3344_5566_7788n;
const T1 = 3_950_000_000n * S;
const sent: SentQuery = { address: "127.0.0.1", port: 123, version: 4, nonce: NONCE, t1: T1 };

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const signed = (x: bigint): number => Number(BigInt.asIntN(64, x)) / 2 ** 32;

/** The expected outcome, from the raw bytes, in the documented order. */
function oracle(b: Buffer, t4: bigint): string {
  if (b.length < 48) return "short";
  if (b.readBigUInt64BE(24) !== NONCE) return "bogus-origin";
  const li = b[0]! >> 6,
    vn = (b[0]! >> 3) & 7,
    mode = b[0]! & 7,
    stratum = b[1]!;
  if (mode !== 4) return "bad-mode";
  if (vn !== 4) return "bad-version";
  const t2 = b.readBigUInt64BE(32),
    t3 = b.readBigUInt64BE(40);
  if (t3 === 0n) return "zero-transmit";
  if (stratum === 0) {
    const id = b.subarray(12, 16).toString("latin1").replace(/\0+$/, "");
    if (id.length > 0 && /^[\x20-\x7e]+$/.test(id)) return "kiss-of-death";
    return li === 3 ? "unsynchronised" : "bad-stratum"; // RFC 5905: stratum 16 goes out as 0; LI=3 says why
  }
  if (li === 3) return "unsynchronised";
  if (stratum > 15) return "bad-stratum";
  if (b.readUInt32BE(4) / 65536 / 2 + b.readUInt32BE(8) / 65536 > 1.5) return "bad-root-distance";
  if (t2 === 0n || signed(t3 - t2) < 0) return "bad-server-times";
  const delay = signed(t4 - T1) - signed(t3 - t2);
  if (delay < 0) return "negative-delay";
  if (delay > 1) return "absurd-delay";
  return "sample";
}

test(`fuzz: ${RUNS} random and mutated packets`, () => {
  const rnd = mulberry32(20361);
  const byte = (): number => Math.floor(rnd() * 256);
  const seen = new Map<string, number>();
  for (let i = 0; i < RUNS; i++) {
    let b: Buffer;
    if (i % 4 === 0) {
      // pure noise, any length up to 96 bytes; sometimes with our nonce planted
      b = Buffer.from(Array.from({ length: Math.floor(rnd() * 97) }, byte));
      if (b.length >= 48 && rnd() < 0.5) b.writeBigUInt64BE(NONCE, 24);
    } else {
      // a valid reply, then a few random byte or bit mutations (origin usually kept)
      const t2 = T1 + BigInt(Math.floor(rnd() * 2 ** 31));
      b = writeReply({
        origin: NONCE,
        receive: t2,
        transmit: t2 + BigInt(Math.floor(rnd() * 2 ** 20)),
        stratum: 1 + Math.floor(rnd() * 15),
        length: 48 + (rnd() < 0.1 ? 4 * Math.floor(rnd() * 8) : 0),
      });
      const n = 1 + Math.floor(rnd() * 3);
      for (let m = 0; m < n; m++) {
        const at = Math.floor(rnd() * 48);
        if (at >= 24 && at < 32 && rnd() < 0.8) continue;
        if (rnd() < 0.5) b[at] = byte();
        else b[at]! ^= 1 << Math.floor(rnd() * 8);
      }
      if (rnd() < 0.05) {
        b[1] = 0; // a kiss-o'-death, a chrony "unsynchronised", or neither
        const codes = ["RATE", "DENY", "RSTR", "XABC", "\0\0\0\0", "A\0B\0", "\x7fxyz"];
        b.write(codes[Math.floor(rnd() * codes.length)]!, 12, 4, "latin1");
        if (rnd() < 0.5) b[0] = (b[0]! & 0x3f) | 0xc0;
      }
      if (rnd() < 0.02) b.writeBigUInt64BE(0n, 40);
      if (rnd() < 0.05) b = b.subarray(0, Math.floor(rnd() * 48));
    }
    const t4 = T1 + BigInt(Math.floor(rnd() * 2 ** 33)) - (rnd() < 0.1 ? 3n * S : 0n);
    let r;
    try {
      r = checkReply(sent, { bytes: b, address: "127.0.0.1", port: 123, t4 }, defaultReplyLimits);
    } catch (err) {
      throw new Error(`packet ${b.toString("hex")} threw: ${String(err)}`);
    }
    const got = r.kind === "sample" ? "sample" : r.reason;
    if (got !== oracle(b, t4)) expect.fail(`packet ${b.toString("hex")} t4 ${t4}: got ${got}, oracle ${oracle(b, t4)}`);
    if (r.kind !== "sample") {
      if (r.detail.length === 0) expect.fail(`packet ${b.toString("hex")}: ${r.reason} without detail`);
    } else if (
      !(Number.isFinite(r.sample.offset) && r.sample.delay >= 0 && r.sample.delay <= 1 && r.sample.stratum >= 1 && r.sample.stratum <= 15)
    ) {
      expect.fail(
        `packet ${b.toString("hex")}: implausible sample ${JSON.stringify(r.sample, (_k, v) => (typeof v === "bigint" ? String(v) : v))}`,
      );
    }
    seen.set(got, (seen.get(got) ?? 0) + 1);
  }
  // the generator must actually reach every rule, or the fuzz proves little
  for (const reason of [
    "short",
    "bogus-origin",
    "bad-mode",
    "bad-version",
    "zero-transmit",
    "kiss-of-death",
    "unsynchronised",
    "bad-stratum",
    "bad-root-distance",
    "bad-server-times",
    "negative-delay",
    "absurd-delay",
    "sample",
  ]) {
    expect(seen.get(reason) ?? 0, reason).toBeGreaterThan(0);
  }
});
