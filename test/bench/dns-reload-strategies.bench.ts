// bench dns-reload-strategies: how to make a running unbound (1.17) take a changed blocklist of
// 100 000 names. Three ways, each from the same start (list A in place, 2000 upstream answers
// cached) to the same end (list B: 1000 names removed, 1000 added), with a query loop running:
// `reload`, `reload_keep_cache`, and the diff with `local_zones_remove`/`local_zones`.
// Prints the time each takes, the longest gap in answers, failed queries and cached messages
// kept. The anchor is a bare `unbound-control status` in the same run.
import { runProcess } from "../../src/jobs/process-runner.js";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startUnbound, type UnboundServer } from "../helpers/unbound-server.js";
import { askOnce, startQueryLoop } from "../helpers/dns-query-loop.js";

const N = 100_000;
const CHANGED = Number(process.env["CHANGED"] ?? 1000);
const CACHED = 2000;

const nameA = (i: number) => `n${i}.ads${i % 997}.example`;
const listA = Array.from({ length: N }, (_, i) => nameA(i));
const removed = listA.slice(0, CHANGED);
const added = Array.from({ length: CHANGED }, (_, i) => `new${i}.ads${i % 997}.example`);
const listB = [...listA.slice(CHANGED), ...added];
const include = (names: readonly string[]) => `server:\n${names.map((n) => `local-zone: "${n}." always_nxdomain\n`).join("")}`;

// asynchronous: the query loop runs in this process and must keep asking while unbound-control runs
async function control(u: UnboundServer, args: string[], input?: string): Promise<{ ms: number; status: number | null; out: string }> {
  const t = performance.now();
  let out = "";
  const r = await runProcess({
    argv: ["unbound-control", "-c", u.config, ...args],
    ...(input !== undefined ? { input } : {}),
    timeoutMs: 120_000,
    onStdout: (c) => (out += c),
    onStderr: (c) => (out += c),
  });
  return { ms: performance.now() - t, status: r.code, out };
}
async function cacheCount(u: UnboundServer): Promise<number> {
  const m = /^msg\.cache\.count=(\d+)$/m.exec((await control(u, ["stats_noreset"])).out);
  return m ? Number(m[1]) : -1;
}

const upstream = await startUnbound({
  serverLines: [
    'local-zone: "up.example." static',
    ...Array.from({ length: CACHED }, (_, i) => `local-data: "h${i}.up.example. 3600 IN A 192.0.2.${i % 250}"`),
  ],
});
try {
  for (const way of ["reload", "reload_keep_cache", "local_zones diff"] as const) {
    const dir = upstream.dir; // any private directory; the front server's own comes later
    const file = join(dir, `blocklist-${way.replace(/ /g, "-")}.conf`);
    await writeFile(file, include(listA));
    const front = await startUnbound({
      serverLines: ["extended-statistics: yes", `include: "${file}"`, 'local-data: "plain.test. 300 IN A 192.0.2.1"'],
      extra: ["stub-zone:", '  name: "up.example."', `  stub-addr: 127.0.0.1@${upstream.port}`],
    });
    try {
      for (let i = 0; i < CACHED; i++) await askOnce(front.host, front.port, `h${i}.up.example`);
      const before = await cacheCount(front);
      const statusRuns: number[] = [];
      for (let k = 0; k < 5; k++) statusRuns.push((await control(front, ["status"])).ms);
      const status = statusRuns.sort((a, b) => a - b)[2]!;
      const loop = startQueryLoop(front.host, front.port, ["plain.test", "h1.up.example", nameA(CHANGED + 5), "h2.up.example"], 5000);
      await new Promise((r) => setTimeout(r, 300));
      const t = performance.now();
      await writeFile(file, include(listB));
      let ok = true;
      if (way === "local_zones diff") {
        ok = (await control(front, ["local_zones_remove"], removed.map((n) => `${n}.\n`).join(""))).status === 0 && ok;
        ok = (await control(front, ["local_zones"], added.map((n) => `${n}. always_nxdomain\n`).join(""))).status === 0 && ok;
      } else ok = (await control(front, [way])).status === 0;
      const took = performance.now() - t;
      await new Promise((r) => setTimeout(r, 1000));
      const r = await loop.stop();
      const after = await cacheCount(front);
      const blockedNew = (await askOnce(front.host, front.port, added[0]!))?.rcode;
      const freedOld = (await askOnce(front.host, front.port, removed[0]!))?.rcode;
      const stillCached = (await askOnce(front.host, front.port, "h1999.up.example"))?.answers;
      console.log(
        `bench dns-reload-strategies ${way}: chime ${took.toFixed(1)} ms, unbound-control-status ${status.toFixed(1)} ms, ratio ${(took / status).toFixed(2)}; ` +
          `longest gap ${r.longestGapMs.toFixed(1)} ms, unanswered after 5 s ${r.failed} (late ${r.late}), servfail/refused ${r.otherRcodes}, answered ${r.answered}; ` +
          `cached messages ${before} → ${after}; ok=${ok} added-name rcode ${blockedNew} removed-name rcode ${freedOld} cached-name answers ${stillCached}`,
      );
    } finally {
      await front.stop();
    }
  }
} finally {
  await upstream.stop();
}
