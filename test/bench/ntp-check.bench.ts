// bench ntp-poll: 8 real chronyd peers on loopback × 4 samples, polled concurrently (chime)
// against the same polls made one peer at a time, as ntpdate/sntp would. Target: the
// concurrent poll costs no more than the slowest single peer + 20 ms. Needs root (chronyd).
import { pollPeer, pollPeers, type Peer, type PollOptions } from "../../src/jobs/ntp-check/poll-peer.js";
import { systemNtpClock } from "../../src/jobs/ntp-check/query-server.js";
import { defaultReplyLimits } from "../../src/jobs/ntp-check/validate-reply.js";
import { startChronyd, type ChronyServer } from "../ntp-check/helpers/chrony-rig.js";

const PEERS = 8;
const REPS = 3;
// 250 ms spacing instead of the 1 s default keeps the sequential anchor under 10 s; the
// ratio does not depend on it.
const opts: PollOptions = { samples: 4, spacingMs: 250, timeoutMs: 1000, limits: defaultReplyLimits, clock: systemNtpClock };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

const servers: ChronyServer[] = [];
try {
  servers.push(...(await Promise.all(Array.from({ length: PEERS }, (_, i) => startChronyd({ kind: "local", stratum: 2 + (i % 3) })))));
  const peers: Peer[] = servers.map((s) => ({ server: `${s.address}:${s.port}`, address: s.address, port: s.port }));
  await pollPeers(peers, { ...opts, samples: 1 }); // warm-up: sockets, JIT
  const concurrent: number[] = [];
  const sequential: number[] = [];
  const single: number[] = [];
  for (let r = 0; r < REPS; r++) {
    let t = performance.now();
    const polled = await pollPeers(peers, opts);
    concurrent.push(performance.now() - t);
    if (polled.some((p) => p.samples.length !== 4)) throw new Error("a peer did not answer every sample");
    const each: number[] = [];
    t = performance.now();
    for (const p of peers) {
      const t0 = performance.now();
      await pollPeer(p, opts);
      each.push(performance.now() - t0);
    }
    sequential.push(performance.now() - t);
    single.push(Math.max(...each));
  }
  const c = median(concurrent);
  const s = median(sequential);
  const one = median(single);
  console.log(`bench ntp-poll: chime ${c.toFixed(1)} ms, sequential ${s.toFixed(1)} ms, ratio ${(c / s).toFixed(3)}`);
  console.log(
    `bench ntp-poll-overhead: chime ${c.toFixed(1)} ms, slowest-single-peer ${one.toFixed(1)} ms, ratio ${(c / one).toFixed(3)} (target: chime ≤ slowest + 20 ms: ${c <= one + 20 ? "met" : "missed"})`,
  );
} finally {
  await Promise.all(servers.map((s) => s.stop()));
}
