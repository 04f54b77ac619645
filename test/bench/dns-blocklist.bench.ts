// dns-blocklist (issue 13, "Speed and memory"): parse + decide + write of a 1 000 000-name
// hosts-format list, against `LC_ALL=C sort -u` of the same names in the same run (the C
// locale is the order decide sorts in), and the peak RSS of the process that did it against the
// list's size on disk. Prints
//   bench dns-blocklist-1m: chime <ms> ms, sort-u <ms> ms, ratio <r>        (target ≤ 1.5)
//   bench dns-blocklist-1m-cpu: chime <ms> ms, sort-u <ms> ms, ratio <r>    (CPU time, user + system)
//   bench dns-blocklist-1m-rss: chime <MB> MB peak, list <MB> MB, ratio <r>  (target < 4)
// The CPU line is the steadier one on a shared machine: wall time there is mostly waiting for a
// core (the load average is printed with it). sort may use two threads, so its wall time can
// be below its CPU time.
// Each round runs in a fresh Node process (the same bundle, with an argument), so the peak RSS is
// that of one run; the median of ROUNDS interleaved rounds is printed.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../../src/jobs/atomic-file.js";
import { buildBlocklist } from "../../src/jobs/dns-blocklist/build-blocklist.js";
import { DEFAULT_LIMITS } from "../../src/jobs/dns-blocklist/guards.js";
import { digest, SourceStore } from "../../src/jobs/dns-blocklist/source-store.js";
import { includeData } from "../../src/jobs/dns-blocklist/unbound-include.js";
import { HelperThread } from "../../src/jobs/dns-blocklist/helper-thread.js";
import type { Decision } from "../../src/jobs/dns-blocklist/decide.js";

const NAMES = 1_000_000;
const ROUNDS = 3;
const MB = 1024 * 1024;
const SOURCE = "https://lists.example/hosts.txt";

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/**
 * One run, in this process: what a dns-blocklist run does with a list already fetched, through
 * the job's own functions: read the stored copy, parse, decide, guard, write the include.
 */
async function child(stateDir: string, include: string, bytes: number): Promise<void> {
  const baseRss = process.memoryUsage().rss;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  // the list is the last good copy of a source, read as a run reads it
  const store = new SourceStore(stateDir);
  // as a run: a helper thread for a big list, started before the parse
  const helper = await HelperThread.forRun(bytes);
  let d: Decision;
  let invalid: number;
  let helperJobs = 0;
  try {
    const built = await buildBlocklist(
      {
        sources: [{ shown: SOURCE, bytes, pieces: (shared) => store.pieces(SOURCE, shared) }],
        allow: [],
        previousEntries: undefined,
        limits: DEFAULT_LIMITS,
        neverBlock: [{ name: "resolver.example", why: "this host" }],
      },
      helper,
    );
    if (!built.ok) throw new Error(`the guards refused the generated list: ${built.reason}`);
    d = built.decision;
    invalid = built.perSource[0]!.invalid;
    await writeFileAtomic(include, includeData(d, { action: "always_nxdomain" }, helper), { fsync: false });
    helperJobs = helper?.jobsDone ?? 0;
  } finally {
    await helper?.close();
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const peak = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(
    JSON.stringify({
      ms,
      cpuMs,
      peak,
      baseRss,
      names: d.blocked.length,
      redundant: d.redundant,
      duplicates: d.duplicates,
      invalid,
      helperJobs,
    }),
  );
}

// A list shaped like the big public ones: registrable domains under a realistic spread of
// top-level domains, many listed with a few subdomains (tracking hosts, CDN shards, hash-like
// labels), a header of /etc/hosts boilerplate and comments, some upper case and trailing dots.
function generate(): { hosts: string; names: string } {
  let seed = 0x5eed1234;
  const random = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const tlds = [
    "com",
    "com",
    "com",
    "com",
    "com",
    "com",
    "net",
    "net",
    "org",
    "ru",
    "de",
    "info",
    "xyz",
    "top",
    "io",
    "cn",
    "co.uk",
    "com.br",
    "online",
    "site",
    "club",
    "biz",
    "pl",
    "fr",
    "jp",
    "in",
  ];
  const syllables = [
    "ad",
    "ads",
    "track",
    "cdn",
    "stat",
    "met",
    "ric",
    "pix",
    "el",
    "tag",
    "ana",
    "lyt",
    "ics",
    "serv",
    "coin",
    "mine",
    "hive",
    "web",
    "click",
    "pop",
    "up",
    "media",
    "net",
    "data",
    "cloud",
    "fast",
    "go",
    "top",
    "best",
    "win",
    "lo",
    "ka",
    "zu",
    "mi",
    "ra",
    "to",
  ];
  const prefixes = [
    "www",
    "ads",
    "ad",
    "cdn",
    "static",
    "track",
    "tracking",
    "pixel",
    "api",
    "m",
    "img",
    "s",
    "stats",
    "metrics",
    "beacon",
    "log",
    "collect",
    "t",
    "c",
    "mine",
    "pool",
    "ws",
  ];
  const alnum = "abcdefghijklmnopqrstuvwxyz0123456789";
  const word = (): string => {
    let w = "";
    const n = 2 + Math.floor(random() * 3);
    for (let i = 0; i < n; i++) w += pick(syllables);
    if (random() < 0.3) w += String(Math.floor(random() * 1000));
    if (random() < 0.15) w += `-${pick(syllables)}${pick(syllables)}`;
    return w;
  };
  const hash = (): string => {
    let h = "";
    const n = 6 + Math.floor(random() * 10);
    for (let i = 0; i < n; i++) h += alnum[Math.floor(random() * alnum.length)];
    return h;
  };
  const bases = Array.from({ length: 450_000 }, () => `${word()}.${pick(tlds)}`);
  const hosts: string[] = [
    "# generated blocklist for the benchmark",
    "127.0.0.1 localhost",
    "::1 localhost ip6-localhost",
    "0.0.0.0 0.0.0.0",
    "",
  ];
  const names: string[] = [];
  for (let i = 0; i < NAMES; i++) {
    const base = pick(bases);
    const r = random();
    let name =
      r < 0.35
        ? base
        : r < 0.8
          ? `${pick(prefixes)}${random() < 0.3 ? Math.floor(random() * 20) : ""}.${base}`
          : `${hash()}.${pick(prefixes)}.${base}`;
    if (random() < 0.02) name = name.toUpperCase();
    if (random() < 0.005) name += ".";
    names.push(name);
    hosts.push(`0.0.0.0 ${name}`);
    if (random() < 0.01) hosts.push(`# ${pick(syllables)} section`);
  }
  return { hosts: `${hosts.join("\n")}\n`, names: `${names.join("\n")}\n` };
}

/** the children's user + system time from the second line of bash's `times`: "0m0.740s 0m0.080s" */
function childCpuMs(times: string): number {
  const line = times.trim().split("\n")[1] ?? "";
  const parts = [...line.matchAll(/([0-9]+)m([0-9.]+)s/g)].map((m) => Number(m[1]) * 60_000 + Number(m[2]) * 1000);
  if (parts.length !== 2) throw new Error(`cannot read bash times output: ${JSON.stringify(times)}`);
  return parts[0]! + parts[1]!;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "chime-bench-dns-"));
  try {
    const list = join(dir, "hosts.txt");
    const plain = join(dir, "names.txt");
    const { hosts, names } = generate();
    writeFileSync(list, hosts);
    // the same text as a source's last good copy in a run's state directory
    const store = new SourceStore(dir);
    await store.save(SOURCE, hosts, { shown: SOURCE, confirmedAt: 0, sha256: digest(hosts), validators: {} });
    writeFileSync(plain, names);
    const size = statSync(list).size;
    const ours: number[] = [];
    const peaks: number[] = [];
    const anchor: number[] = [];
    const oursCpu: number[] = [];
    const anchorCpu: number[] = [];
    let info: Record<string, number> = {};
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = performance.now();
      // bash's `times` gives the CPU time of its children; the paths go in as arguments
      const s = spawnSync("bash", ["-c", 'sort -u -o "$1" "$2" && times', "bash", join(dir, "sorted.txt"), plain], {
        env: { ...process.env, LC_ALL: "C" },
        encoding: "utf8",
      });
      anchor.push(performance.now() - t0);
      if (s.status !== 0) throw new Error(`sort -u failed: ${s.status ?? s.signal} ${s.stderr}`);
      anchorCpu.push(childCpuMs(s.stdout));
      const c = spawnSync(process.execPath, [process.argv[1]!, "--child", dir, join(dir, "blocklist.conf"), String(size)], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
      });
      if (c.status !== 0) throw new Error(`the measured run failed: ${c.status ?? c.signal}`);
      info = JSON.parse(c.stdout) as Record<string, number>;
      ours.push(info["ms"]!);
      oursCpu.push(info["cpuMs"]!);
      peaks.push(info["peak"]!);
    }
    const a = median(ours);
    const b = median(anchor);
    console.log(`bench dns-blocklist-1m: chime ${a.toFixed(0)} ms, sort-u ${b.toFixed(0)} ms, ratio ${(a / b).toFixed(2)}`);
    const ac = median(oursCpu);
    const bc = median(anchorCpu);
    console.log(
      `bench dns-blocklist-1m-cpu: chime ${ac.toFixed(0)} ms, sort-u ${bc.toFixed(0)} ms, ratio ${(ac / bc).toFixed(2)} (load average ${loadavg()[0]!.toFixed(1)})`,
    );
    const p = median(peaks);
    console.log(
      `bench dns-blocklist-1m-rss: chime ${(p / MB).toFixed(0)} MB peak, list ${(size / MB).toFixed(1)} MB, ratio ${(p / size).toFixed(2)}`,
    );
    console.log(
      `  (${info["names"]} names kept of ${NAMES}: ${info["duplicates"]} repeats, ${info["redundant"]} below a listed parent, ${info["invalid"]} invalid; jobs done by the helper thread: ${info["helperJobs"]}; ` +
        `RSS before reading the list ${((info["baseRss"] ?? 0) / MB).toFixed(0)} MB, peak above it ${((p - (info["baseRss"] ?? 0)) / size).toFixed(2)}× the list)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child") await child(process.argv[3]!, process.argv[4]!, Number(process.argv[5]));
else await main();
