// bench dns-blocklist-304: a run where every source answers 304 (nothing rebuilt, nothing
// reloaded) against its anchor, a bare `unbound-control status` plus the same conditional
// HTTP requests. Target (issue 13): under 1.2×.
// bench dns-blocklist-apply: a new 100 000-name list applied (checkconf, rename,
// reload_keep_cache) while a query loop in another thread asks unbound: the run's time, the
// longest gap in answers and the failed queries (goal: 0): a query unanswered after 5 s (a stub
// resolver's default timeout, resolv.conf(5)) counts as failed, and so does whether its answer
// still came (late) or never (lost). Anchor: a bare `unbound-control
// reload_keep_cache` of the same file.
import { Worker } from "node:worker_threads";
import { httpGet } from "../../src/jobs/network/http-get.js";
import { runProcess } from "../../src/jobs/process-runner.js";
import { listWithEtag, startBlocklistRig } from "../dns-blocklist/helpers/blocklist-rig.js";

const N = 100_000;
const SOURCES = 3;
const REPS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

// The loop runs in its own thread: the job's own work (sorting 100 000 names) must not be
// what delays the answers we measure.
const LOOP = `
const { parentPort, workerData } = require("node:worker_threads");
const dgram = require("node:dgram");
const { host, port, names } = workerData;
const sock = dgram.createSocket("udp4");
let stop = false, id = 0, i = 0, last = performance.now(), waiting;
const timedOut = new Set();
const r = { answered: 0, failed: 0, late: 0, longestGapMs: 0 };
parentPort.on("message", () => { stop = true; });
sock.on("message", (m) => {
  const got = m.readUInt16BE(0);
  if (waiting && waiting.id === got) waiting.resolve(true);
  else if (timedOut.delete(got)) r.late++;
});
function query(name, qid) {
  const parts = [Buffer.from([qid >> 8, qid & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const l of name.split(".")) parts.push(Buffer.from([l.length]), Buffer.from(l));
  parts.push(Buffer.from([0, 0, 1, 0, 1]));
  return Buffer.concat(parts);
}
(async () => {
  while (!stop) {
    id = (id + 1) & 0xffff;
    const want = id;
    const ok = await new Promise((resolve) => {
      const t = setTimeout(() => { timedOut.add(want); resolve(false); }, 5000);
      waiting = { id: want, resolve: (v) => { clearTimeout(t); resolve(v); } };
      sock.send(query(names[i++ % names.length], want), port, host);
    });
    waiting = undefined;
    const now = performance.now();
    r.longestGapMs = Math.max(r.longestGapMs, now - last);
    if (!ok) { r.failed++; continue; }
    last = now;
    r.answered++;
  }
  // late answers to queries that timed out
  await new Promise((res) => setTimeout(res, 5000));
  sock.close();
  parentPort.postMessage(r);
})();
`;

interface LoopResult {
  answered: number;
  failed: number;
  longestGapMs: number;
  late: number;
}
function startLoop(host: string, port: number, names: string[]): { stop(): Promise<LoopResult> } {
  const w = new Worker(LOOP, { eval: true, workerData: { host, port, names } });
  const done = new Promise<LoopResult>((r) => w.once("message", r));
  return {
    stop: async () => {
      w.postMessage("stop");
      const r = await done;
      await w.terminate();
      return r;
    },
  };
}

const lists: string[][] = Array.from({ length: SOURCES }, (_, s) =>
  Array.from({ length: Math.ceil(N / SOURCES) }, (_, i) => `n${i}.src${s}.ads${i % 997}.example`),
);
const rig = await startBlocklistRig(['local-data: "plain.example. 300 IN A 192.0.2.5"']);
try {
  for (const [s, l] of lists.entries())
    rig.routes.set(
      `/list${s}.txt`,
      listWithEtag(() => l.join("\n")),
    );
  const urls = lists.map((_, s) => rig.url(`/list${s}.txt`));
  const first = await rig.run(urls);
  if (first.result.status !== "ok") throw new Error(first.result.summary);

  // --- all 304
  const unchanged: number[] = [];
  const anchor: number[] = [];
  const validators = await Promise.all(
    urls.map(async (url) => (await httpGet({ url, timeoutMs: 10_000, maxBodyBytes: 64 << 20 })).validators),
  );
  for (let r = 0; r < REPS; r++) {
    let t = performance.now();
    const run = await rig.run(urls);
    unchanged.push(performance.now() - t);
    if (!/unchanged/.test(run.result.summary)) throw new Error(`not an unchanged run: ${run.result.summary}`);
    t = performance.now();
    await runProcess({ argv: ["unbound-control", "-c", rig.unbound.config, "status"], timeoutMs: 30_000 });
    const replies = await Promise.all(
      urls.map((url, i) => httpGet({ url, timeoutMs: 10_000, maxBodyBytes: 64 << 20, validators: validators[i] })),
    );
    anchor.push(performance.now() - t);
    if (replies.some((x) => x.status !== 304)) throw new Error("the anchor's requests were not answered 304");
  }
  const u = median(unchanged);
  const a = median(anchor);
  console.log(
    `bench dns-blocklist-304: chime ${u.toFixed(1)} ms, unbound-control-status+http ${a.toFixed(1)} ms, ratio ${(u / a).toFixed(3)} (target < 1.2: ${u / a < 1.2 ? "met" : "missed"})`,
  );

  // --- apply 100 000 changed names under query load
  for (const l of lists) for (let i = 0; i < l.length; i += 50) l[i] = `changed${i}.${l[i]}`;
  const loop = startLoop(rig.unbound.host, rig.unbound.port, ["plain.example", "n1.src0.ads1.example", "n7.src1.ads7.example"]);
  await new Promise((r) => setTimeout(r, 300));
  const t = performance.now();
  const applied = await rig.run(urls);
  const took = performance.now() - t;
  await new Promise((r) => setTimeout(r, 300));
  const q = await loop.stop();
  if (applied.result.status !== "ok") throw new Error(applied.result.summary);
  const line = applied.log.find((l) => l["msg"] === "blocklist applied")!;
  const loop2 = startLoop(rig.unbound.host, rig.unbound.port, ["plain.example", "n1.src0.ads1.example", "n7.src1.ads7.example"]);
  await new Promise((r) => setTimeout(r, 300));
  const t2 = performance.now();
  await runProcess({ argv: ["unbound-control", "-c", rig.unbound.config, "reload_keep_cache"], timeoutMs: 60_000 });
  const bare = performance.now() - t2;
  await new Promise((r) => setTimeout(r, 300));
  const q2 = await loop2.stop();
  console.log(
    `bench dns-blocklist-apply: chime ${took.toFixed(0)} ms (checkconf ${String(line["check_ms"])} ms, reload ${String(line["reload_ms"])} ms, ${String(line["names"])} names, +${String(line["added"])} -${String(line["removed"])}), ` +
      `bare-reload_keep_cache ${bare.toFixed(0)} ms, ratio ${(took / bare).toFixed(2)}; under queries: longest gap ${q.longestGapMs.toFixed(0)} ms, ` +
      `unanswered after 5 s ${q.failed} (answered late ${q.late}, lost ${q.failed - q.late}) of ${q.answered + q.failed} ` +
      `(bare reload: longest gap ${q2.longestGapMs.toFixed(0)} ms, unanswered after 5 s ${q2.failed}, lost ${q2.failed - q2.late})`,
  );
} finally {
  await rig.stop();
}
