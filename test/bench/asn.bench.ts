// bench asn: the two speed goals of `chime asn` (issue 14), each against an anchor measured in
// the same run.
//  - asn-dns: 10 000 addresses through the Team Cymru source (origin TXT, then the AS name once
//    per AS) against a real unbound on loopback, against `dig -f` (BIND's batch mode) asking the
//    same names of the same server. Goal: within 1.3× of dig.
//  - asn-table-lookup: 1 000 000 lookups in a 500 000-range iptoasn table (typed arrays) against a
//    sorted array of range objects searched by a plain-JS bisection. Goal: ratio ≥ 1.0.
//  - asn-table-load: reading and parsing the 500 000-range table file. Goal: under 1 s.
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CymruDnsSource, originQueryName, asQueryName } from "../../src/jobs/asn/cymru-dns.js";
import { boundedPool } from "../../src/jobs/bounded-pool.js";
import { loadTable } from "../../src/jobs/asn/db-source.js";
import { parseIp, type IpAddress } from "../../src/jobs/asn/ip-address.js";
import { specialRange } from "../../src/jobs/asn/special-ranges.js";
import { startUnbound } from "../helpers/unbound-server.js";
import { generateV4Ranges, seeded, tsvOf, type FixtureRange } from "../asn/helpers/iptoasn-fixture.js";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

const dir = await mkdtemp(join(tmpdir(), "chime-asn-bench-"));
try {
  // ---- table ----
  const RANGES = 500_000;
  const ranges = generateV4Ranges(RANGES, 42);
  const file = join(dir, "ip2asn.tsv");
  await writeFile(file, tsvOf(ranges));
  // the anchor: the plain-JS way, split into lines and fields, one object per range
  const naiveLoad = async (): Promise<number> => {
    const text = (await readFile(file)).toString("utf8");
    const out: { start: string; end: string; asn: number; cc: string; name: string }[] = [];
    for (const line of text.split("\n")) {
      if (line === "") continue;
      const [start, end, asn, cc, name] = line.split("\t") as [string, string, string, string, string];
      out.push({ start, end, asn: Number(asn), cc, name });
    }
    return out.length;
  };
  const loads: number[] = [];
  const loadCpu: number[] = [];
  const naive: number[] = [];
  let table = await loadTable(file);
  for (let r = 0; r < 5; r++) {
    let t = performance.now();
    const cpu0 = process.cpuUsage();
    table = await loadTable(file);
    loads.push(performance.now() - t);
    const cpu = process.cpuUsage(cpu0);
    loadCpu.push((cpu.user + cpu.system) / 1000);
    t = performance.now();
    if ((await naiveLoad()) !== RANGES) throw new Error("the naive load lost lines");
    naive.push(performance.now() - t);
  }
  const load = median(loads);
  const lc = median(loadCpu);
  const nl = median(naive);
  // On a shared machine the wall time includes waiting for a core; the CPU time is the load's own.
  console.log(
    `bench asn-table-load: chime ${load.toFixed(0)} ms wall, ${lc.toFixed(0)} ms CPU for ${RANGES} ranges (goal < 1000 ms: wall ${load < 1000 ? "met" : "missed"}, CPU ${lc < 1000 ? "met" : "missed"}), split-into-objects ${nl.toFixed(0)} ms wall, ratio ${(load / nl).toFixed(3)}`,
  );

  const LOOKUPS = 1_000_000;
  const rnd = seeded(9);
  const probes = new Uint32Array(LOOKUPS);
  for (let i = 0; i < LOOKUPS; i++) probes[i] = Math.floor(rnd() * 2 ** 32);
  // the anchor: what one would write in plain JS — sorted objects, bisection
  const plain: FixtureRange[] = [...ranges].sort((a, b) => a.start - b.start);
  const plainAsn = (x: number): number => {
    let lo = 0;
    let hi = plain.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (plain[mid]!.start <= x) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 && plain[found]!.end >= x ? plain[found]!.asn : -1;
  };
  let check = 0;
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let r = 0; r < 5; r++) {
    let t = performance.now();
    for (let i = 0; i < LOOKUPS; i++) check += table.asnOfV4(probes[i]!);
    ours.push(performance.now() - t);
    t = performance.now();
    for (let i = 0; i < LOOKUPS; i++) check -= plainAsn(probes[i]!);
    theirs.push(performance.now() - t);
  }
  if (check !== 0) throw new Error("the table and the plain search disagree");
  const o = median(ours);
  const p = median(theirs);
  console.log(
    `bench asn-table-lookup: chime ${(((LOOKUPS / o) * 1000) / 1e6).toFixed(2)} M lookups/s, plain-js-bisection ${(((LOOKUPS / p) * 1000) / 1e6).toFixed(2)} M lookups/s, ratio ${(p / o).toFixed(3)} (goal ≥ 1.0: ${p / o >= 1 ? "met" : "missed"})`,
  );
  // the whole answer path a `chime asn --db` lookup takes (range → prefix text included)
  const some = Array.from(
    { length: 100_000 },
    (_, i) => parseIp(`${(probes[i]! >>> 24) & 255}.${(probes[i]! >>> 16) & 255}.${(probes[i]! >>> 8) & 255}.${probes[i]! & 255}`)!,
  );
  const t = performance.now();
  for (const ip of some) table.lookup(ip);
  const full = performance.now() - t;
  console.log(
    `bench asn-table-answer: chime ${(((some.length / full) * 1000) / 1e6).toFixed(2)} M answers/s (parsed address → AS, prefix, country, name)`,
  );

  // ---- DNS ----
  const ADDRESSES = 10_000;
  const ASES = 200;
  const dnsRnd = seeded(17);
  const ips: IpAddress[] = [];
  const seen = new Set<string>();
  while (ips.length < ADDRESSES) {
    const ip = parseIp(
      `${1 + Math.floor(dnsRnd() * 222)}.${Math.floor(dnsRnd() * 256)}.${Math.floor(dnsRnd() * 256)}.${Math.floor(dnsRnd() * 256)}`,
    )!;
    if (specialRange(ip) !== null || seen.has(ip.text)) continue;
    seen.add(ip.text);
    ips.push(ip);
  }
  const asOf = (i: number) => 64512 + (i % ASES);
  const lines = ips.map(
    (ip, i) => `local-data: '${originQueryName(ip)}. 300 IN TXT "${asOf(i)} | ${ip.text}/32 | US | arin | 2001-01-01"'`,
  );
  for (let a = 0; a < ASES; a++)
    lines.push(`local-data: '${asQueryName(64512 + a)}. 300 IN TXT "${64512 + a} | US | arin | 2001-01-01 | BENCH-NET-${a}"'`);
  await writeFile(join(dir, "cymru.conf"), "server:\n" + lines.map((l) => `  ${l}`).join("\n") + "\n");
  const unbound = await startUnbound({
    serverLines: [
      'local-zone: "asn.cymru.com." static',
      `include: "${join(dir, "cymru.conf")}"`,
      "msg-cache-size: 64m",
      "rrset-cache-size: 64m",
    ],
  });
  try {
    const names = [...ips.map((ip) => originQueryName(ip)), ...Array.from({ length: ASES }, (_, a) => asQueryName(64512 + a))];
    // dig -f: one query per line, "NAME TXT", against the same server
    const batch = join(dir, "queries.txt");
    await writeFile(batch, names.map((n) => `${n} TXT`).join("\n") + "\n");
    const digArgs = ["@127.0.0.1", "-p", String(unbound.port), "+short", "+tries=1", "+time=2", "-f", batch];
    const runDig = (): number => {
      const t0 = performance.now();
      const r = spawnSync("dig", digArgs, { encoding: "utf8", maxBuffer: 64 << 20 });
      if (r.status !== 0 || r.stdout.split("\n").filter(Boolean).length !== names.length)
        throw new Error(`dig -f did not answer every query: ${r.stderr}`);
      return performance.now() - t0;
    };
    const runChime = async (concurrency: number): Promise<number> => {
      const source = new CymruDnsSource({ servers: [`127.0.0.1:${unbound.port}`], timeoutMs: 5000 });
      const t0 = performance.now();
      const answers = await boundedPool(
        ips,
        concurrency,
        new AbortController().signal,
        (ip) => source.lookup(ip),
        () => null,
      );
      const ms = performance.now() - t0;
      if (answers.some((a) => a?.kind !== "answer" || a.asName === null)) throw new Error("the Cymru source missed an answer");
      return ms;
    };
    runDig(); // warm-up: unbound's caches, the page cache
    await runChime(16);
    const dig: number[] = [];
    const chime16: number[] = [];
    const chime1: number[] = [];
    for (let r = 0; r < 3; r++) {
      dig.push(runDig());
      chime16.push(await runChime(16));
      chime1.push(await runChime(1));
    }
    const d = median(dig);
    const c = median(chime16);
    const c1 = median(chime1);
    console.log(
      `bench asn-dns: chime ${c.toFixed(0)} ms (16 at once, chime asn's default), dig-f ${d.toFixed(0)} ms, ratio ${(c / d).toFixed(3)} (goal ≤ 1.3: ${c / d <= 1.3 ? "met" : "missed"}) — ${ADDRESSES} addresses, ${names.length} queries`,
    );
    console.log(
      `bench asn-dns-sequential: chime ${c1.toFixed(0)} ms (one at a time, as dig -f asks), dig-f ${d.toFixed(0)} ms, ratio ${(c1 / d).toFixed(3)}`,
    );
  } finally {
    await unbound.stop();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
