import { chmod, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import type { JobStatus } from "../../src/jobs/job.js";
import { parseNtpCheckArgs } from "../../src/jobs/ntp-check/check-options.js";
import { judgePoll, sortProblems, worstStatus, type Problem, type Thresholds } from "../../src/jobs/ntp-check/judge-peers.js";
import { peerTable, statusLine } from "../../src/jobs/ntp-check/nagios-output.js";
import { NtpCheckJob } from "../../src/jobs/ntp-check/ntp-check-job.js";
import type { PeerPoll, SampleFailure } from "../../src/jobs/ntp-check/poll-peer.js";
import { systemNtpClock } from "../../src/jobs/ntp-check/query-server.js";
import { formatOnce } from "../../src/jobs/ntp-check/spec.js";
import type { NtpSample } from "../../src/jobs/ntp-check/validate-reply.js";
import { parseLikeNagiosCore, parsePerfdata } from "../helpers/nagios-plugin-output.js";
import { testContext, type TestContext } from "./helpers/job-context.js";
import { writeReply } from "./helpers/ntp-wire.js";
import { goodReply, startResponder, type Responder } from "./helpers/udp-responder.js";

/*
 * Issue 9 §7 and issue 8 §12: every status line ntp-check can print, read the way Nagios Core
 * reads plugin output (test/helpers/nagios-plugin-output.ts). Nagios shows the text before the
 * first `|`, so the whole intended text must come out as the status text and the perfdata must
 * be the six guideline-conform items — with server-sent text (kiss codes, refids) escaped.
 */

const t: Thresholds = { warn: 0.1, crit: 0.5, minPeers: 3, maxStratum: 7, unsyncPolls: 2 };
const PERF_LABELS = ["offset", "meanabsoffset", "jitter", "stratum", "peers", "truechimers"];
const STATE: Record<JobStatus, string> = { ok: "OK", warning: "WARNING", critical: "CRITICAL", unknown: "UNKNOWN" };

function sample(offset: number, over: Partial<NtpSample> = {}): NtpSample {
  return {
    leap: 0,
    version: 4,
    stratum: 1,
    poll: 6,
    precision: -20,
    rootDelay: 0,
    rootDispersion: 0.001,
    rootDistance: 0.001,
    refId: "GPS",
    referenceAge: 30,
    offset,
    delay: 0.001,
    ...over,
  };
}
function valid(addr: string, offset: number, over: Partial<NtpSample> = {}): PeerPoll {
  const s = sample(offset, over);
  return { peer: { server: addr, address: addr, port: 123 }, samples: [s], best: s, jitter: 0, failures: [] };
}
function failed(addr: string, ...failures: SampleFailure[]): PeerPoll {
  return { peer: { server: addr, address: addr, port: 123 }, samples: [], best: null, jitter: 0, failures };
}
/** wide error bars: every interval overlaps, so offsets alone decide */
const wide = { rootDispersion: 1, rootDistance: 1 };
const three = (o = 0.001) => [valid("a", o), valid("b", o), valid("c", o)];
const timeout: SampleFailure = { reason: "timeout", detail: "no reply within 1000 ms" };

interface Case {
  name: string;
  polls: PeerPoll[];
  unresolved?: { server: string; detail: string }[];
  previousUnsync?: [string, number][];
  /** problems from outside the poll: the local daemon's view, the metrics file, an abort */
  extra?: Problem[];
  status: JobStatus;
  text: string | RegExp;
}

const cases: Case[] = [
  {
    name: "OK",
    polls: [valid("a", 0.001), valid("b", 0.002), valid("c", 0.003)],
    status: "ok",
    text: "3/3 peers valid, median offset +2.0 ms, mean abs offset 2.0 ms, max stratum 1",
  },
  {
    name: "OK, a median that rounds to zero has no sign",
    polls: three(-0.00001),
    status: "ok",
    text: "3/3 peers valid, median offset 0.0 ms, mean abs offset 0.0 ms, max stratum 1",
  },
  { name: "WARNING mean abs offset", polls: three(0.15), status: "warning", text: "mean abs offset 150.0 ms > 100 ms" },
  {
    name: "WARNING median offset",
    polls: [valid("a", 0, wide), valid("b", 0, wide), valid("c", 0.15, wide), valid("d", 0.15, wide), valid("e", 0.15, wide)],
    status: "warning",
    text: "median offset +150.0 ms beyond ±100 ms",
  },
  {
    name: "WARNING peer unreachable",
    polls: [...three(), failed("d", timeout)],
    status: "warning",
    text: "peer d unreachable (no reply within 1000 ms)",
  },
  {
    name: "WARNING peer rejected",
    polls: [...three(), failed("d", { reason: "bad-mode", detail: "mode 3, expected 4 (server)" })],
    status: "warning",
    text: "peer d rejected (bad-mode: mode 3, expected 4 (server))",
  },
  {
    name: "WARNING peer bad stratum",
    polls: [...three(), failed("d", { reason: "bad-stratum", detail: "stratum 0 without a kiss code" })],
    status: "warning",
    text: "peer d bad stratum (stratum 0 without a kiss code)",
  },
  {
    name: "WARNING peer unsynchronised once",
    polls: [...three(), failed("d", { reason: "unsynchronised", detail: "unsynchronised (LI=3, stratum 2)", leap: 3, stratum: 2 })],
    status: "warning",
    text: "peer d unsynchronised (LI=3)",
  },
  {
    name: "WARNING server unresolved",
    polls: three(),
    unresolved: [{ server: "ntp.invalid", detail: "cannot resolve ntp.invalid: ENOTFOUND" }],
    status: "warning",
    text: "server ntp.invalid: cannot resolve ntp.invalid: ENOTFOUND",
  },
  {
    name: "WARNING falseticker",
    polls: [...three(0), valid("d", 0.05)],
    status: "warning",
    text: /^peer d falseticker \(offset \+50\.0 ms, majority [-+]\d+\.\d ms…[-+]\d+\.\d ms\)$/,
  },
  {
    name: "WARNING stratum above the limit",
    polls: [valid("a", 0), valid("b", 0), valid("c", 0, { stratum: 9 })],
    status: "warning",
    text: "stratum above 7: c stratum 9",
  },
  {
    name: "WARNING stale reference",
    polls: [valid("a", 0), valid("b", 0), valid("c", 0, { referenceAge: 3 * 86_400 })],
    status: "warning",
    text: "peer c clock last set 72 h ago",
  },
  {
    name: "WARNING leap second announced by some",
    polls: [valid("a", 0), valid("b", 0), valid("c", 0, { leap: 1 })],
    status: "warning",
    text: "leap second announced by 1 of 3 valid peers (c LI=1)",
  },
  {
    name: "WARNING leap second disagreement",
    polls: [valid("a", 0, { leap: 1 }), valid("b", 0, { leap: 1 }), valid("c", 0, { leap: 2 })],
    status: "warning",
    text: "valid peers disagree on the leap second (a LI=1, b LI=1, c LI=2)",
  },
  {
    name: "WARNING from the local daemon",
    polls: three(),
    extra: [{ severity: "warning", text: "chrony: not synchronised" }],
    status: "warning",
    text: "chrony: not synchronised",
  },
  {
    name: "WARNING metrics file",
    polls: three(),
    extra: [{ severity: "warning", text: "cannot write --prom-file /x/m.prom: EACCES" }],
    status: "warning",
    text: "cannot write --prom-file /x/m.prom: EACCES",
  },
  {
    name: "CRITICAL no valid peer",
    polls: [failed("a", timeout)],
    status: "critical",
    text: "no valid peer (of 1); peer a unreachable (no reply within 1000 ms)",
  },
  {
    name: "CRITICAL too few valid peers",
    polls: [valid("a", 0), valid("b", 0), failed("c", timeout)],
    status: "critical",
    text: "only 2 of 3 peers valid (minimum 3); peer c unreachable (no reply within 1000 ms)",
  },
  { name: "CRITICAL mean abs offset", polls: three(-0.985), status: "critical", text: "mean abs offset 985.0 ms > 500 ms" },
  {
    name: "CRITICAL median offset",
    polls: [valid("a", 0, wide), valid("b", 0, wide), valid("c", 0.6, wide), valid("d", 0.6, wide), valid("e", 0.6, wide)],
    status: "critical",
    text: "median offset +600.0 ms beyond ±500 ms; mean abs offset 360.0 ms > 100 ms",
  },
  {
    name: "CRITICAL no majority",
    polls: [valid("a", 0), valid("b", 0.05), valid("c", 0.09)],
    status: "critical",
    text: "no majority of the 3 valid peers agrees on the time (interval intersection)",
  },
  {
    name: "CRITICAL peer unsynchronised polls in a row",
    polls: [...three(), failed("d", { reason: "unsynchronised", detail: "unsynchronised (LI=3, stratum 2)", leap: 3, stratum: 2 })],
    previousUnsync: [["d", 1]],
    status: "critical",
    text: "peer d unsynchronised (LI=3) 2 polls in a row",
  },
  {
    name: "UNKNOWN poll aborted",
    polls: three(),
    extra: [{ severity: "unknown", text: "poll aborted" }],
    status: "unknown",
    text: "poll aborted",
  },
  {
    name: "UNKNOWN tool error with a pipe and a line break",
    polls: three(),
    extra: [{ severity: "unknown", text: "chrony: chronyc -c tracking: 506 Cannot talk | retry\nsecond line" }],
    status: "unknown",
    text: "chrony: chronyc -c tracking: 506 Cannot talk \\x7c retry second line",
  },
];

function render(c: Case): string {
  const j = judgePoll(c.polls, c.unresolved ?? [], t, new Map(c.previousUnsync ?? []));
  const problems = sortProblems([...j.problems, ...(c.extra ?? [])]);
  return statusLine(worstStatus(problems.map((p) => p.severity)), problems, j.stats, t);
}

describe("every ntp-check status line, read the way Nagios Core reads it", () => {
  for (const c of cases) {
    test(c.name, () => {
      const out = render(c);
      const read = parseLikeNagiosCore(`${out}\n`);
      const prefix = `NTP ${STATE[c.status]}: `;
      expect(read.statusText.startsWith(prefix), read.statusText).toBe(true);
      const text = read.statusText.slice(prefix.length);
      if (typeof c.text === "string") expect(text).toBe(c.text);
      else expect(text).toMatch(c.text);
      expect(read.longOutput).toEqual([]);
      expect(parsePerfdata(read.perfdata).map((p) => p.label)).toEqual(PERF_LABELS);
    });
  }

  test("the parser itself: text before the first '|', the rest perfdata; a later '|' starts perfdata in long output", () => {
    expect(parseLikeNagiosCore("A: mean |offset| 9 ms|x=1\n")).toEqual({
      statusText: "A: mean",
      longOutput: [],
      perfdata: "offset| 9 ms|x=1",
    });
    expect(parseLikeNagiosCore("A|x=1\nlong one\nlong two|y=2\nz=3\n")).toEqual({
      statusText: "A",
      longOutput: ["long one", "long two"],
      perfdata: "x=1 y=2 z=3",
    });
    expect(() => parsePerfdata("offset| 9 ms")).toThrow(/guideline syntax/);
  });
});

const opened: Responder[] = [];
const contexts: TestContext[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((r) => r.close()));
  await Promise.all(contexts.splice(0).map((c) => c.cleanup()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function runCheck(args: string[]) {
  const ctx = await testContext();
  contexts.push(ctx);
  const job = new NtpCheckJob(parseNtpCheckArgs(args, {}), { resolver: async (h) => [h], clock: systemNtpClock });
  return job.run(ctx);
}

describe("server-sent text in the plugin output (issue 8 §12)", () => {
  test("a kiss code '|x=1' and a refid '|a=b' are printed escaped: status text, long output and perfdata stay whole", async () => {
    const kiss = await startResponder((req) => [
      { bytes: writeReply({ stratum: 0, refId: "|x=1", origin: req.nonce, receive: req.receive, transmit: req.receive }) },
    ]);
    const good = await startResponder((req) => [{ bytes: goodReply(req, undefined, { stratum: 1, refId: "|a=b" }) }], undefined, {
      address: "127.0.0.2",
      port: kiss.port,
    });
    opened.push(kiss, good);
    const dir = await mkdtemp(join(tmpdir(), "chime-nagios-"));
    dirs.push(dir);
    const prom = join(dir, "ntp.prom");
    const r = await runCheck([
      "--samples",
      "1",
      "--min-peers",
      "1",
      "--verbose",
      "--prom-file",
      prom,
      `127.0.0.1:${kiss.port}`,
      `127.0.0.2:${kiss.port}`,
    ]);
    const read = parseLikeNagiosCore(formatOnce(r));
    expect(read.statusText).toBe(`NTP WARNING: peer 127.0.0.1:${kiss.port} kiss of death (kiss-o'-death \\x7cx\\x3d1)`);
    expect(parsePerfdata(read.perfdata).map((p) => p.label)).toEqual(PERF_LABELS);
    // the whole peer table arrived as long output, the refid escaped
    expect(read.longOutput).toHaveLength(3);
    expect(read.longOutput.find((l) => l.startsWith(`127.0.0.2:${kiss.port}`))).toMatch(/ \\x7ca\\x3db /);
    expect(peerTable(r.judgement.peers).join("\n")).not.toContain("|");
    expect(await readFile(prom, "utf8")).toContain('refid="\\\\x7ca\\\\x3db"');
  });

  test("an unwritable --prom-file makes the run a WARNING naming the file and the errno (issue 9 §9)", async () => {
    const a = await startResponder((req) => [{ bytes: goodReply(req) }]);
    opened.push(a);
    const dir = await mkdtemp(join(tmpdir(), "chime-nagios-"));
    dirs.push(dir);
    const prom = join(dir, "missing-dir", "ntp.prom");
    const r = await runCheck(["--samples", "1", "--min-peers", "1", "--prom-file", prom, `127.0.0.1:${a.port}`]);
    expect(r.status).toBe("warning");
    expect(parseLikeNagiosCore(formatOnce(r)).statusText).toBe(`NTP WARNING: cannot write --prom-file ${prom}: ENOENT`);
    if (process.getuid?.() !== 0) {
      await mkdir(join(dir, "ro"));
      await chmod(join(dir, "ro"), 0o500);
      const r2 = await runCheck(["--samples", "1", "--min-peers", "1", "--prom-file", join(dir, "ro", "ntp.prom"), `127.0.0.1:${a.port}`]);
      expect(r2.summary).toContain(`cannot write --prom-file ${join(dir, "ro", "ntp.prom")}: EACCES`);
    }
  });

  test("log fields of the summary are snake_case", async () => {
    const a = await startResponder((req) => [{ bytes: goodReply(req) }]);
    opened.push(a);
    const r = await runCheck(["--samples", "1", "--min-peers", "1", `127.0.0.1:${a.port}`]);
    for (const key of Object.keys(r.metrics ?? {})) expect(key).toMatch(/^[a-z0-9]+(?:_[a-z0-9]+)*$/);
    expect(Object.keys(r.metrics ?? {})).toEqual(expect.arrayContaining(["valid_peers", "configured_peers", "mean_abs_offset_seconds"]));
  });
});
