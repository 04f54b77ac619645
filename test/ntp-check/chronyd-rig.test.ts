import { afterAll, beforeAll, expect, test } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ntpCheckSpec, formatOnce } from "../../src/jobs/ntp-check/spec.js";
import type { NtpCheckResult } from "../../src/jobs/ntp-check/ntp-check-job.js";
import { startChronyd, withChronyd, type ChronyServer } from "./helpers/chrony-rig.js";
import { testContext } from "./helpers/job-context.js";

// Real chronyd servers (see docs/ntp-check.md, "Testing"): one synchronised-looking, one unsynchronised, three
// serving time 985 ms behind ours (the incident's peers), all on free loopback ports.
let synced: ChronyServer;
let unsynced: ChronyServer;
let behind: ChronyServer[] = [];
let ahead: ChronyServer;
let scratch: string;
const at = (s: ChronyServer): string => `${s.address}:${s.port}`;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "chime-ntp-rig-"));
  [synced, unsynced, ahead, ...behind] = await Promise.all([
    startChronyd({ kind: "local", stratum: 3 }),
    startChronyd({ kind: "unsynced" }),
    startChronyd({ kind: "shifted", offset: 0.105 }),
    startChronyd({ kind: "shifted", offset: -0.985 }),
    startChronyd({ kind: "shifted", offset: -0.985 }),
    startChronyd({ kind: "shifted", offset: -0.985 }),
  ]);
});

afterAll(async () => {
  await Promise.all([synced, unsynced, ahead, ...behind].filter(Boolean).map((s) => s.stop()));
  await rm(scratch, { recursive: true, force: true });
});

async function runOnce(args: string[], env: Record<string, string> = {}): Promise<NtpCheckResult> {
  const ctx = await testContext();
  try {
    return (await ntpCheckSpec.create(args, env).run(ctx)) as NtpCheckResult;
  } finally {
    await ctx.cleanup();
  }
}

withChronyd.describe("ntp-check against real chronyd", () => {
  test("a synchronised chronyd (local stratum 3) is valid with an offset near zero", async () => {
    const r = await runOnce(["--samples", "2", "--min-peers", "1", at(synced)]);
    const peer = r.judgement.peers[0]!;
    expect(peer.verdict).toBe("valid");
    expect(peer.sample!.stratum).toBe(3);
    expect(peer.sample!.leap).toBe(0);
    expect(peer.sample!.refId).toBe("127.127.1.1"); // chrony's local refid 0x7F7F0101
    // NTP's own error bound (θ ± δ/2) plus a millisecond for chronyd's processing
    expect(Math.abs(peer.sample!.offset)).toBeLessThanOrEqual(peer.sample!.delay / 2 + 0.001);
    expect(r.status).toBe("ok");
    expect(r.summary).toMatch(/^NTP OK: 1\/1 peers valid, .*\|offset=-?\d+\.\d{6}s;-0\.1:0\.1;-0\.5:0\.5;; /);
  });

  test("an unsynchronised chronyd (LI=3, stratum 0, refid 0) is reported as unsynchronised", async () => {
    const r = await runOnce(["--samples", "1", "--min-peers", "1", at(unsynced), at(synced)]);
    const peer = r.judgement.peers.find((p) => p.label === at(unsynced))!;
    expect(peer.verdict).toBe("unsynchronised");
    expect(peer.detail).toContain("LI=3, stratum 0");
    expect(r.status).toBe("warning"); // first sighting: a healthy server does this during a leap
    expect(r.summary).toContain(`peer ${at(unsynced)} unsynchronised (LI=3)`);
  });

  test("a chronyd serving time 985 ms behind is measured at −985 ms (same as chronyd -Q sees)", async () => {
    const r = await runOnce(["--samples", "2", "--min-peers", "1", at(behind[0]!)]);
    const peer = r.judgement.peers[0]!;
    expect(peer.verdict).toBe("valid");
    expect(peer.sample!.refId).toBe("FAKE");
    expect(peer.sample!.stratum).toBe(1);
    expect(Math.abs(peer.sample!.offset + 0.985)).toBeLessThanOrEqual(peer.sample!.delay / 2 + 0.001);
    expect(r.status).toBe("critical");
    // Anchor: chrony's own client measures the same server the same way.
    const q = spawnSync("chronyd", ["-Q", "-t", "5", "-f", "/dev/null", `server 127.0.0.1 port ${behind[0]!.port} iburst maxsamples 1`], {
      encoding: "utf8",
    });
    const m = /System clock wrong by (-?[\d.]+) seconds/.exec(q.stdout + q.stderr);
    expect(m, q.stdout + q.stderr).not.toBeNull();
    expect(Math.abs(Number(m![1]) - peer.sample!.offset)).toBeLessThan(0.01);
  });

  test("the incident: three peers at −985 ms and one LI=3 peer → CRITICAL naming both", async () => {
    const r = await runOnce(["--samples", "2", "--verbose", ...behind.map(at), at(unsynced)]);
    expect(r.status).toBe("critical");
    expect(r.summary).toMatch(/^NTP CRITICAL: mean abs offset \d+\.\d ms > 500 ms; /);
    const worstHalfDelay = Math.max(...r.judgement.peers.flatMap((p) => (p.sample ? [p.sample.delay / 2] : [])));
    expect(Math.abs(r.judgement.stats.meanAbsOffset! - 0.985)).toBeLessThanOrEqual(worstHalfDelay + 0.001);
    expect(r.summary).toContain(`peer ${at(unsynced)} unsynchronised (LI=3)`);
    expect(r.judgement.stats.valid).toBe(3);
    expect(r.judgement.stats.configured).toBe(4);
    const out = formatOnce(r);
    if (process.env.CHIME_SHOW_OUTPUT) console.log(out);
    expect(out.split("\n")[0]).toBe(r.summary);
    expect(out).toMatch(/ {2}unsynchronised \(LI=3, stratum 0\)/);
    expect(out.match(/ FAKE|valid/g)!.length).toBeGreaterThanOrEqual(3);
  });

  test("the incident's odd one out: two peers at −985 ms and one at +105 ms → the +105 ms one is the falseticker", async () => {
    const r = await runOnce(["--samples", "1", at(behind[0]!), at(behind[1]!), at(ahead)]);
    const verdicts = Object.fromEntries(r.judgement.peers.map((p) => [p.label, p.verdict]));
    if (process.env.CHIME_SHOW_OUTPUT) console.log(formatOnce({ ...r, verbose: true } as NtpCheckResult));
    expect(verdicts).toEqual({ [at(behind[0]!)]: "valid", [at(behind[1]!)]: "valid", [at(ahead)]: "falseticker" });
    expect(r.judgement.stats.meanAbsOffset).toBeGreaterThan(0.66); // (985 + 985 + 105) / 3 ≈ 692 ms
    expect(r.summary).toMatch(
      new RegExp(`; peer ${at(ahead).replace(/\./g, "\\.")} falseticker \\(offset \\+\\d+\\.\\d ms, majority -\\d`),
    );
  });
});

withChronyd.describe("ntp-check as a service against real chronyd", () => {
  test("--on-critical runs once after --critical-after critical polls, then waits --on-critical-every", async () => {
    const marker = join(scratch, "restarted");
    const script = join(scratch, "remedy.mjs");
    await writeFile(
      script,
      'import { appendFileSync } from "node:fs"; appendFileSync(process.argv[2], process.argv.slice(3).join(" ") + "\\n");\n',
    );
    const job = ntpCheckSpec.create(
      [
        "--samples",
        "1",
        "--critical-after",
        "2",
        "--on-critical",
        `${process.execPath} ${script} ${marker} restart openntpd`,
        ...behind.map(at),
      ],
      {},
    );
    const ctx = await testContext();
    try {
      const runs = [];
      for (let i = 0; i < 3; i++) runs.push(await job.run(ctx));
      expect(runs.map((r) => r.status)).toEqual(["critical", "critical", "critical"]);
      expect(await readFile(marker, "utf8")).toBe("restart openntpd\n"); // once: the second poll
      expect(ctx.lines.some((l) => l.startsWith("on-critical: 2 critical polls in a row, running"))).toBe(true);
      expect(ctx.lines.some((l) => l.startsWith("on-critical: not running"))).toBe(true);
      // one table per poll in the log: header + one line per peer
      expect(ctx.lines.filter((l) => l.startsWith("peer "))).toHaveLength(3);
      expect(ctx.lines.filter((l) => /\svalid$/.test(l))).toHaveLength(9);
    } finally {
      await ctx.cleanup();
    }
  });

  test("LI=3 that persists across polls becomes CRITICAL, also across processes through the state dir", async () => {
    const args = ["--samples", "1", "--min-peers", "1", at(synced), at(unsynced)];
    const ctx = await testContext();
    try {
      expect((await ntpCheckSpec.create(args, {}).run(ctx)).status).toBe("warning");
      const second = await ntpCheckSpec.create(args, {}).run(ctx); // a new Job, as a new process would make
      expect(second.status).toBe("critical");
      expect(second.summary).toContain(`peer ${at(unsynced)} unsynchronised (LI=3) 2 polls in a row`);
    } finally {
      await ctx.cleanup();
    }
  });

  test("--prom-file is written atomically in the text exposition format", async () => {
    const prom = join(scratch, "ntp.prom");
    await runOnce(["--samples", "1", "--prom-file", prom, ...behind.map(at), at(unsynced)]);
    const text = await readFile(prom, "utf8");
    for (const line of text.trimEnd().split("\n")) {
      expect(line).toMatch(/^(# (HELP|TYPE) chime_ntp_\w+ .+|chime_ntp_[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[\d.e+-]+)$/);
    }
    expect(text).toContain("chime_ntp_valid_peers 3\n");
    expect(text).toContain("chime_ntp_configured_peers 4\n");
    expect(text).toContain("chime_ntp_status 2\n");
    expect(text).toContain(`chime_ntp_peer_valid{peer="${at(unsynced)}"} 0\n`);
    expect(text).toContain(`chime_ntp_peer_info{peer="${at(unsynced)}",verdict="unsynchronised",refid=""} 1\n`);
    const off = /^chime_ntp_median_offset_seconds (\S+)$/m.exec(text)!;
    // loose: other test files load the machine, and one sample has no min-delay filter to help
    expect(Math.abs(Number(off[1]) + 0.985)).toBeLessThan(0.02);
  });

  test("--daemon chrony reads the local chronyd's tracking and sources (here: the 985 ms one, and the unsynced one)", async () => {
    const shifted = await runOnce([
      "--samples",
      "1",
      "--min-peers",
      "1",
      "--daemon",
      "chrony",
      "--chronyc",
      `chronyc -h ${behind[0]!.cmdSocket}`,
      at(behind[0]!),
    ]);
    expect(shifted.summary).toContain("chrony: system clock off by +985.0 ms (local minus true)");
    expect(shifted.details.some((l) => /^chrony: ref FAKE stratum 1 /.test(l))).toBe(true);
    const lost = await runOnce([
      "--samples",
      "1",
      "--min-peers",
      "1",
      "--daemon",
      "chrony",
      "--chronyc",
      `chronyc -h ${unsynced.cmdSocket}`,
      at(synced),
    ]);
    expect(lost.summary).toContain("chrony: not synchronised");
    expect(lost.summary).toContain("chrony: no selected source");
    const missing = await runOnce([
      "--samples",
      "1",
      "--min-peers",
      "1",
      "--daemon",
      "chrony",
      "--chronyc",
      "/nonexistent/chronyc",
      at(synced),
    ]);
    expect(missing.status).toBe("unknown");
    expect(missing.summary).toMatch(/^NTP UNKNOWN: chrony: \/nonexistent\/chronyc -c tracking: not found\|/);
  });
});

// The command a monitoring system runs: `chime ntp-check …` as a real process. Nagios reads the
// plugin output from stdout (status line first, the --verbose table as long output) and the exit
// code; the TAI64N log goes to stderr so it cannot come first.
function runChime(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // cwd in the scratch dir: a run once keeps the job's state in ./state, never in the checkout
    const child = spawn(join(process.cwd(), "dist", "bin", "chime.cjs"), args, { cwd: scratch, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

withChronyd.describe("chime ntp-check run once, as a Nagios plugin", () => {
  test("a healthy peer: exit 0, status line first on stdout, table after it, log on stderr", async () => {
    const r = await runChime(["ntp-check", "--samples", "2", "--min-peers", "1", "--verbose", at(synced)]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NTP OK: .*\|offset=/);
    expect(lines.some((l) => l.startsWith("peer ") && l.includes("verdict"))).toBe(true);
    expect(lines.some((l) => l.startsWith(at(synced)) && l.endsWith("valid"))).toBe(true);
    const logLines = r.stderr.trimEnd().split("\n");
    expect(logLines.length).toBeGreaterThan(0);
    for (const l of logLines) expect(l).toMatch(/^@4[0-9a-f]{23} /);
  });

  test("the incident: exit 2 and a CRITICAL status line naming both problems", async () => {
    const r = await runChime(["ntp-check", "--samples", "2", ...behind.map(at), at(unsynced)]);
    expect(r.code).toBe(2);
    const first = r.stdout.split("\n")[0]!;
    // the offset itself, within half the round trip, is the test above ("the incident: three
    // peers …"); the status line has no delay to bound it by, and on a loaded machine a
    // round trip of a few ms moves the mean off 98x ms
    const mean = /^NTP CRITICAL: mean abs offset (\d+\.\d) ms > 500 ms/.exec(first);
    expect(mean, first).not.toBeNull();
    expect(Math.abs(Number(mean![1]) - 985)).toBeLessThan(100);
    expect(first).toContain(`${at(unsynced)} unsynchronised (LI=3)`);
  });
});
