import { describe, expect, test } from "vitest";
import { judgePoll, type Thresholds } from "../../src/jobs/ntp-check/judge-peers.js";
import type { PeerPoll } from "../../src/jobs/ntp-check/poll-peer.js";
import type { NtpSample } from "../../src/jobs/ntp-check/validate-reply.js";

const t: Thresholds = { warn: 0.1, crit: 0.5, minPeers: 3, maxStratum: 7, unsyncPolls: 2 };

function sample(offset: number, over: Partial<NtpSample> = {}): NtpSample {
  return {
    leap: 0,
    version: 4,
    stratum: 2,
    poll: 6,
    precision: -20,
    rootDelay: 0.001,
    rootDispersion: 0.001,
    rootDistance: 0.0015,
    refId: "10.0.0.1",
    referenceAge: 60,
    offset,
    delay: 0.002,
    ...over,
  };
}
function valid(addr: string, offset: number, over: Partial<NtpSample> = {}): PeerPoll {
  const s = sample(offset, over);
  return { peer: { server: addr, address: addr, port: 123 }, samples: [s], best: s, jitter: 0, failures: [] };
}
function failed(addr: string, reason: string, detail: string, kissCode?: string): PeerPoll {
  const f = kissCode ? { reason, detail, kissCode } : { reason, detail };
  return {
    peer: { server: addr, address: addr, port: 123 },
    samples: [],
    best: null,
    jitter: 0,
    failures: [f],
    ...(kissCode ? { kissCode } : {}),
  };
}
const none = new Map<string, number>();

describe("judging a poll", () => {
  test("the user's incident: −984, −984, +105 ms and an LI=3 peer → CRITICAL, mean abs offset first", () => {
    const j = judgePoll(
      [
        valid("192.0.2.1", -0.984),
        valid("192.0.2.2", -0.984),
        valid("192.0.2.3", 0.105),
        failed("192.0.2.4", "unsynchronised", "unsynchronised (LI=3, stratum 2)"),
      ],
      [],
      t,
      none,
    );
    expect(j.status).toBe("critical");
    // (984 + 984 + 105) / 3 = 691 ms, the incident's numbers
    expect(j.stats.meanAbsOffset).toBeCloseTo(0.691, 6);
    expect(j.stats.medianOffset).toBeCloseTo(-0.984, 9);
    expect(j.problems[0]!.text).toBe("mean abs offset 691.0 ms > 500 ms");
    const texts = j.problems.map((p) => p.text);
    expect(texts).toContain("peer 192.0.2.4 unsynchronised (LI=3)");
    expect(texts.some((x) => x.startsWith("peer 192.0.2.3 falseticker (offset +105.0 ms"))).toBe(true);
    expect(j.peers.find((p) => p.label === "192.0.2.3")!.verdict).toBe("falseticker");
  });

  test("LI=3 is a WARNING the first poll and CRITICAL when it persists (a leap makes healthy servers send it for a second)", () => {
    const polls = [valid("a", 0), valid("b", 0), valid("c", 0), failed("d", "unsynchronised", "unsynchronised (LI=3, stratum 1)")];
    const first = judgePoll(polls, [], t, none);
    expect(first.status).toBe("warning");
    expect(first.unsyncPolls.get("d")).toBe(1);
    const second = judgePoll(polls, [], t, first.unsyncPolls);
    expect(second.status).toBe("critical");
    expect(second.problems[0]!.text).toBe("peer d unsynchronised (LI=3) 2 polls in a row");
    const recovered = judgePoll([valid("a", 0), valid("b", 0), valid("c", 0), valid("d", 0)], [], t, second.unsyncPolls);
    expect(recovered.status).toBe("ok");
    expect(recovered.unsyncPolls.size).toBe(0);
  });

  test("fewer valid peers than --min-peers is CRITICAL; none at all names that", () => {
    expect(judgePoll([valid("a", 0), valid("b", 0)], [], t, none).problems[0]!.text).toBe("only 2 of 2 peers valid (minimum 3)");
    const j = judgePoll(
      [failed("a", "timeout", "no reply within 1000 ms")],
      [{ server: "ntp.invalid", detail: "cannot resolve ntp.invalid: ENOTFOUND" }],
      t,
      none,
    );
    expect(j.status).toBe("critical");
    expect(j.problems[0]!.text).toBe("no valid peer (of 2)");
    expect(j.peers.map((p) => p.verdict)).toEqual(["unreachable", "unresolved"]);
  });

  test("thresholds: 100 ms mean abs offset warns, below it is OK", () => {
    expect(judgePoll([valid("a", 0.099), valid("b", 0.098), valid("c", 0.097)], [], t, none).status).toBe("ok");
    const j = judgePoll([valid("a", 0.12), valid("b", 0.13), valid("c", 0.14)], [], t, none);
    expect(j.status).toBe("warning");
    expect(j.problems[0]!.text).toBe("mean abs offset 130.0 ms > 100 ms");
  });

  test("a high stratum, a KoD and a leap announced by only some peers are warnings", () => {
    const j = judgePoll(
      [
        valid("a", 0, { stratum: 9 }),
        valid("b", 0, { leap: 1 }),
        valid("c", 0),
        failed("d", "kiss-of-death", "kiss-o'-death RATE", "RATE"),
      ],
      [],
      t,
      none,
    );
    expect(j.status).toBe("warning");
    const texts = j.problems.map((p) => p.text);
    expect(texts).toContain("stratum above 7: a stratum 9");
    expect(texts).toContain("leap second announced by 1 of 3 valid peers (b LI=1)");
    expect(texts).toContain("peer d kiss of death (kiss-o'-death RATE)");
  });

  test("all peers announce a leap but disagree on its direction (LI=1 insert vs LI=2 delete): a warning", () => {
    const j = judgePoll([valid("a", 0, { leap: 1 }), valid("b", 0, { leap: 2 }), valid("c", 0, { leap: 1 })], [], t, none);
    expect(j.status).toBe("warning");
    expect(j.problems.map((p) => p.text)).toEqual(["valid peers disagree on the leap second (a LI=1, b LI=2, c LI=1)"]);
    expect(judgePoll([valid("a", 0, { leap: 1 }), valid("b", 0, { leap: 1 }), valid("c", 0, { leap: 1 })], [], t, none).status).toBe("ok");
  });

  test("a peer whose clock was last set days ago, or never, is a warning", () => {
    const j = judgePoll(
      [valid("a", 0, { referenceAge: 3 * 86_400 }), valid("b", 0, { referenceAge: null }), valid("c", 0, { referenceAge: 1 * 86_400 })],
      [],
      t,
      none,
    );
    expect(j.problems.map((p) => p.text)).toEqual(["peer a clock last set 72 h ago", "peer b clock never set (reference timestamp 0)"]);
  });

  test("two valid peers that disagree: no consensus is CRITICAL", () => {
    const j = judgePoll([valid("a", 0), valid("b", 0.3)], [], { ...t, minPeers: 2, warn: 1, crit: 2 }, none);
    expect(j.status).toBe("critical");
    expect(j.problems[0]!.text).toMatch(/no majority of the 2 valid peers agrees/);
  });
});
