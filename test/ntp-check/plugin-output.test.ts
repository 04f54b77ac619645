import { describe, expect, test } from "vitest";
import { judgePoll, type Thresholds } from "../../src/jobs/ntp-check/judge-peers.js";
import { peerTable, statusLine } from "../../src/jobs/ntp-check/nagios-output.js";
import { prometheusText } from "../../src/jobs/ntp-check/prometheus-text.js";
import type { PeerPoll } from "../../src/jobs/ntp-check/poll-peer.js";
import type { NtpSample } from "../../src/jobs/ntp-check/validate-reply.js";

const t: Thresholds = { warn: 0.1, crit: 0.5, minPeers: 3, maxStratum: 7, unsyncPolls: 2 };

function valid(addr: string, offset: number): PeerPoll {
  const s: NtpSample = {
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
  };
  return { peer: { server: addr, address: addr, port: 123 }, samples: [s], best: s, jitter: 0, failures: [] };
}
function unsynced(addr: string): PeerPoll {
  return {
    peer: { server: addr, address: addr, port: 123 },
    samples: [],
    best: null,
    jitter: 0,
    failures: [{ reason: "unsynchronised", detail: "unsynchronised (LI=3, stratum 2)", leap: 3, stratum: 2 }],
  };
}

describe("the Nagios status line", () => {
  test("the issue's example word for word: three peers at −984.9 ms and 192.0.2.4 answering LI=3", () => {
    const j = judgePoll(
      [valid("192.0.2.1", -0.9849), valid("192.0.2.2", -0.9849), valid("192.0.2.3", -0.9849), unsynced("192.0.2.4")],
      [],
      t,
      new Map(),
    );
    const line = statusLine(j.status, j.problems, j.stats, t);
    expect(line.slice(0, line.indexOf("|offset="))).toBe(
      "NTP CRITICAL: mean abs offset 984.9 ms > 500 ms; peer 192.0.2.4 unsynchronised (LI=3)",
    );
  });

  test("limits are printed as configured (100 ms, 2.5 ms), measured values with one decimal", () => {
    const warnOnly = judgePoll([valid("a", 0.15), valid("b", 0.15), valid("c", 0.15)], [], t, new Map());
    expect(warnOnly.problems[0]!.text).toBe("mean abs offset 150.0 ms > 100 ms");
    const fine: Thresholds = { ...t, warn: 0.0025, crit: 0.01 };
    const j = judgePoll([valid("a", 0.003), valid("b", 0.003), valid("c", 0.003)], [], fine, new Map());
    expect(j.problems[0]!.text).toBe("mean abs offset 3.0 ms > 2.5 ms");
  });

  test("a problem text with line breaks (a tool's error) stays on the one status line", () => {
    const j = judgePoll([valid("a", 0), valid("b", 0), valid("c", 0)], [], t, new Map());
    const line = statusLine(
      "unknown",
      [{ severity: "unknown", text: "openntpd: ntpctl -s status: Command failed\nsecond line\n" }],
      j.stats,
      t,
    );
    expect(line).not.toMatch(/[\r\n]/);
    expect(line).toMatch(/^NTP UNKNOWN: openntpd: ntpctl -s status: Command failed second line\|offset=/);
  });
});

/**
 * Monitoring-plugins guidelines: `'label'=value[UOM];[warn];[crit];[min];[max]`, thresholds in
 * range syntax where "10" means "alert outside 0..10" and "a:b" means "alert outside a..b".
 */
function outside(range: string, v: number): boolean {
  const m = /^(@)?(?:(~|-?[\d.]+):)?(-?[\d.]+)?$/.exec(range);
  if (!m) throw new Error(`not a range: ${range}`);
  const lo = m[2] === "~" ? -Infinity : m[2] !== undefined ? Number(m[2]) : 0;
  const hi = m[3] !== undefined ? Number(m[3]) : Infinity;
  const out = v < lo || v > hi;
  return m[1] ? !out : out;
}

describe("perfdata", () => {
  const PERF = /^([^=' ]+)=(-?\d+(?:\.\d+)?|U)([a-zA-Z%]*);([^;]*);([^;]*);([^;]*);([^;]*)$/;
  const parse = (line: string) =>
    Object.fromEntries(
      line
        .slice(line.indexOf("|offset=") + 1)
        .split(" ")
        .map((item) => {
          const m = PERF.exec(item);
          expect(m, item).not.toBeNull();
          return [m![1], { value: Number(m![2]), warn: m![4]!, crit: m![5]! }];
        }),
    );

  test("every item has the guideline syntax; a slow clock 30 ms off is inside the offset thresholds, 985 ms off outside", () => {
    const ok = judgePoll([valid("a", -0.03), valid("b", -0.03), valid("c", -0.03)], [], t, new Map());
    expect(ok.status).toBe("ok");
    const p = parse(statusLine(ok.status, ok.problems, ok.stats, t));
    expect(p.offset!.value).toBeCloseTo(-0.03, 6);
    expect(outside(p.offset!.warn, p.offset!.value)).toBe(false);
    expect(outside(p.offset!.crit, p.offset!.value)).toBe(false);
    const bad = judgePoll([valid("a", -0.985), valid("b", -0.985), valid("c", -0.985)], [], t, new Map());
    const q = parse(statusLine(bad.status, bad.problems, bad.stats, t));
    expect(outside(q.offset!.crit, q.offset!.value)).toBe(true);
    expect(outside(q.meanabsoffset!.crit, q.meanabsoffset!.value)).toBe(true);
    // 2 valid of 3 wanted: below the "3:" critical range of peers
    const few = judgePoll([valid("a", 0), valid("b", 0)], [], t, new Map());
    const f = parse(statusLine(few.status, few.problems, few.stats, t));
    expect(outside(f.peers!.crit, f.peers!.value)).toBe(true);
  });

  test("a tiny threshold is written as a decimal, not in exponent form", () => {
    const tiny: Thresholds = { ...t, warn: 1e-7, crit: 2e-6 };
    const j = judgePoll([valid("a", 0), valid("b", 0), valid("c", 0)], [], tiny, new Map());
    const p = parse(statusLine(j.status, j.problems, j.stats, tiny));
    expect(p.meanabsoffset!.warn).toBe("0.0000001");
    expect(p.offset!.crit).toBe("-0.000002:0.000002");
    // 1.0000000001 s rounds to a whole number at 9 places: no dangling "1."
    const nearOne: Thresholds = { ...t, warn: 0.5, crit: 1.0000000001 };
    expect(parse(statusLine(j.status, j.problems, j.stats, nearOne)).meanabsoffset!.crit).toBe("1");
  });
});

describe("thresholds are limits, as in check_ntp_time: exactly at a limit is still inside it", () => {
  test("mean abs offset of exactly 500 ms is a WARNING, not CRITICAL; exactly at --warn is OK", () => {
    // binary fractions, so the means are exact: 3 × 0.5 / 3 = 0.5, 3 × 0.125 / 3 = 0.125
    const at = judgePoll([valid("a", -0.5), valid("b", -0.5), valid("c", -0.5)], [], t, new Map());
    expect(at.status).toBe("warning");
    expect(at.problems.map((p) => p.text)).toEqual(["mean abs offset 500.0 ms > 100 ms"]);
    const eighth: Thresholds = { ...t, warn: 0.125 };
    expect(judgePoll([valid("a", 0.125), valid("b", 0.125), valid("c", 0.125)], [], eighth, new Map()).status).toBe("ok");
  });
});

describe("an unsynchronised peer shows what it said: LI 3 and its stratum", () => {
  const j = judgePoll([valid("192.0.2.1", 0), valid("192.0.2.2", 0), valid("192.0.2.3", 0), unsynced("192.0.2.4")], [], t, new Map());

  test("in the --verbose table", () => {
    const [header, ...rows] = peerTable(j.peers);
    const cols = header!.trim().split(/\s+/);
    const row = rows
      .find((r) => r.startsWith("192.0.2.4"))!
      .trim()
      .split(/\s+/);
    expect(row[cols.indexOf("st")]).toBe("2");
    expect(row[cols.indexOf("li")]).toBe("3");
  });

  test("in the Prometheus text (HELP and TYPE before each family's samples)", () => {
    const text = prometheusText(j, 1_800_000_000);
    expect(text).toContain('chime_ntp_peer_leap{peer="192.0.2.4"} 3\n');
    expect(text).toContain('chime_ntp_peer_stratum{peer="192.0.2.4"} 2\n');
    expect(text).toContain('chime_ntp_peer_valid{peer="192.0.2.4"} 0\n');
    // exposition format: each sample's family was announced by # HELP and # TYPE lines
    const announced = new Set<string>();
    for (const line of text.trimEnd().split("\n")) {
      const m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) /.exec(line);
      if (m) {
        if (m[1] === "TYPE") announced.add(m[2]!);
        continue;
      }
      expect(line).toMatch(
        /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? -?[0-9.e+-]+$/,
      );
      expect(announced.has(line.split(/[{ ]/)[0]!)).toBe(true);
    }
  });
});
