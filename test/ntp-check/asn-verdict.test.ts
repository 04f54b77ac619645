import { describe, expect, it } from "vitest";
import type { AddressResult } from "../../src/jobs/asn/asn-answer.js";
import type { PeerReport, PeerVerdict } from "../../src/jobs/ntp-check/judge-peers.js";
import { judgeAsns } from "../../src/jobs/ntp-check/peer-asns.js";

const peer = (label: string, verdict: PeerVerdict = "valid"): PeerReport => ({
  label,
  verdict,
  detail: "",
  sample: null,
  jitter: 0,
  samples: 1,
});
const as = (address: string, asn: number, name = `NET-${asn}`): AddressResult => ({
  kind: "answer",
  address,
  origins: [asn],
  prefix: null,
  country: "DE",
  registry: null,
  allocated: null,
  asName: name,
  source: "cymru",
});

describe("the --min-asns judgement", () => {
  it("counts only the truechimers: a falseticker in another AS does not make the set diverse", () => {
    const peers = [peer("a"), peer("b"), peer("c"), peer("d", "falseticker")];
    const results = new Map([
      ["a", as("a", 64500)],
      ["b", as("b", 64500)],
      ["c", as("c", 64500)],
      ["d", as("d", 64501)],
    ]);
    const j = judgeAsns(peers, results, 2);
    expect(j.truechimerAsns).toBe(1);
    expect(j.problems).toEqual([
      { severity: "warning", text: "truechimers in 1 AS, fewer than --min-asns 2 (AS64500 NET-64500 (DE): a, b, c)" },
    ]);
  });

  it("peers in one special-purpose block are one network", () => {
    const special = (address: string): AddressResult => ({
      kind: "special",
      address,
      prefix: "10.0.0.0/8",
      purpose: "private-use",
      rfc: "RFC 1918",
    });
    const j = judgeAsns(
      [peer("a"), peer("b"), peer("c")],
      new Map([
        ["a", special("a")],
        ["b", special("b")],
        ["c", as("c", 64500)],
      ]),
      2,
    );
    expect(j).toEqual({ problems: [], notes: [], truechimerAsns: 2 });
  });

  it("an unknown AS is a note, never a problem, and --min-asns is not judged when it could change the answer", () => {
    const failed: AddressResult = { kind: "failed", address: "c", errors: ["cymru: ESERVFAIL"] };
    const j = judgeAsns(
      [peer("a"), peer("b"), peer("c")],
      new Map([
        ["a", as("a", 64500)],
        ["b", as("b", 64500)],
        ["c", failed],
      ]),
      2,
    );
    expect(j.problems).toEqual([]);
    expect(j.notes).toEqual(["AS unknown for c (cymru: ESERVFAIL): --min-asns 2 not checked"]);
    // known peers already span enough ASes: the unknown one cannot change that
    const k = judgeAsns(
      [peer("a"), peer("b"), peer("c")],
      new Map([
        ["a", as("a", 64500)],
        ["b", as("b", 64501)],
        ["c", failed],
      ]),
      2,
    );
    expect(k.notes).toEqual(["AS unknown for c (cymru: ESERVFAIL)"]);
  });
});
