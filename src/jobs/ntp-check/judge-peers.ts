import type { JobStatus } from "../job.js";
import { rootDistanceOf, selectClocks } from "./clock-select.js";
import { peerLabel, type PeerPoll } from "./poll-peer.js";
import type { NtpSample } from "./validate-reply.js";

/**
 * The expert's judgement of one poll, as a pure function of what the peers answered and
 * what we remember from earlier polls. No I/O, no clock.
 */
export interface Thresholds {
  /** seconds: mean |offset| (and |median|) above this is a WARNING; at it is still OK, as with check_ntp_time's ranges */
  readonly warn: number;
  /** seconds: … a CRITICAL */
  readonly crit: number;
  readonly minPeers: number;
  readonly maxStratum: number;
  /** polls in a row a peer must answer LI=3 before that alone is CRITICAL */
  readonly unsyncPolls: number;
}

export type PeerVerdict =
  | "valid"
  | "falseticker"
  | "unsynchronised"
  | "kiss-of-death"
  | "bad-stratum"
  | "unreachable"
  | "rejected"
  | "unresolved";

export interface PeerReport {
  readonly label: string;
  readonly verdict: PeerVerdict;
  /** why, in words: "LI=3 (unsynchronised) 2 polls in a row", "no reply within 1000 ms" */
  readonly detail: string;
  readonly sample: NtpSample | null;
  readonly jitter: number;
  readonly samples: number;
  /** a refused peer's last header: the table shows LI=3 where it matters most */
  readonly refused?: { readonly leap: number; readonly stratum: number };
}

export interface Problem {
  readonly severity: JobStatus;
  readonly text: string;
}

export interface PollStats {
  readonly configured: number;
  readonly valid: number;
  /** seconds, signed, θ convention: best estimate of how far the servers are ahead of us */
  readonly medianOffset: number | null;
  readonly meanAbsOffset: number | null;
  readonly maxAbsOffset: number | null;
  readonly maxJitter: number | null;
  readonly maxStratum: number | null;
  readonly truechimers: number;
}

export interface Judgement {
  readonly status: JobStatus;
  /** worst first */
  readonly problems: readonly Problem[];
  readonly peers: readonly PeerReport[];
  readonly stats: PollStats;
  /** label → consecutive polls with LI=3, to remember for the next poll */
  readonly unsyncPolls: ReadonlyMap<string, number>;
}

/** Two days: pool and chrony servers refresh within minutes; anything older is suspect. */
export const STALE_REFERENCE_SECONDS = 2 * 86_400;

const SEVERITY: Record<JobStatus, number> = { ok: 0, unknown: 1, warning: 2, critical: 3 };

export function worstStatus(statuses: Iterable<JobStatus>): JobStatus {
  let worst: JobStatus = "ok";
  for (const s of statuses) if (SEVERITY[s] > SEVERITY[worst]) worst = s;
  return worst;
}

export function sortProblems(problems: readonly Problem[]): Problem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => SEVERITY[b.p.severity] - SEVERITY[a.p.severity] || a.i - b.i)
    .map((x) => x.p);
}

export function formatMs(seconds: number, signed = true): string {
  const v = (seconds * 1000).toFixed(1);
  // what rounds to zero has no sign: "-0.0 ms" would claim a direction the data does not show
  if (/^-?0\.0$/.test(v)) return "0.0 ms";
  return signed && seconds >= 0 ? `+${v} ms` : `${v} ms`;
}

/**
 * A configured limit as the user would write it: "500 ms", "100.5 ms", never "500.0 ms"
 * (`mean abs offset 984.9 ms > 500 ms`). Measured values keep formatMs.
 */
export function formatLimitMs(seconds: number): string {
  return `${Number((seconds * 1000).toFixed(3))} ms`;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function failedVerdict(poll: PeerPoll): { verdict: PeerVerdict; detail: string } {
  const fs = poll.failures;
  const last = fs.at(-1);
  const kiss = fs.find((f) => f.kissCode !== undefined);
  if (kiss) return { verdict: "kiss-of-death", detail: kiss.detail };
  const unsync = fs.find((f) => f.reason === "unsynchronised");
  if (unsync) return { verdict: "unsynchronised", detail: unsync.detail };
  if (last === undefined) return { verdict: "unreachable", detail: "not polled" };
  if (fs.every((f) => f.reason === "timeout")) return { verdict: "unreachable", detail: last.detail };
  if (last.reason === "bad-stratum") return { verdict: "bad-stratum", detail: last.detail };
  return { verdict: "rejected", detail: `${last.reason}: ${last.detail}` };
}

export function judgePoll(
  polls: readonly PeerPoll[],
  unresolved: readonly { server: string; detail: string }[],
  t: Thresholds,
  previousUnsync: ReadonlyMap<string, number>,
): Judgement {
  const problems: Problem[] = [];
  const peerProblems: Problem[] = [];
  const unsyncPolls = new Map<string, number>();
  const reports: PeerReport[] = [];
  const valid: { label: string; s: NtpSample; jitter: number }[] = [];
  for (const poll of polls) {
    const label = peerLabel(poll.peer);
    const base = { label, jitter: poll.jitter, samples: poll.samples.length };
    if (poll.best !== null) {
      valid.push({ label, s: poll.best, jitter: poll.jitter });
      reports.push({ ...base, verdict: "valid", detail: "", sample: poll.best });
      continue;
    }
    const { verdict, detail } = failedVerdict(poll);
    const seen = [...poll.failures]
      .reverse()
      .find((f) => f.leap !== undefined && f.stratum !== undefined && (verdict !== "unsynchronised" || f.reason === "unsynchronised"));
    const failedBase = seen ? { ...base, refused: { leap: seen.leap!, stratum: seen.stratum! } } : base;
    if (verdict === "unsynchronised") {
      const n = (previousUnsync.get(label) ?? 0) + 1;
      unsyncPolls.set(label, n);
      const persistent = n >= t.unsyncPolls;
      const text = `peer ${label} unsynchronised (LI=3)${n > 1 ? ` ${n} polls in a row` : ""}`;
      peerProblems.push({ severity: persistent ? "critical" : "warning", text });
      reports.push({ ...failedBase, verdict, detail: n > 1 ? `${detail}, ${n} polls in a row` : detail, sample: null });
      continue;
    }
    reports.push({ ...failedBase, verdict, detail, sample: null });
    const what = verdict === "unreachable" ? "unreachable" : verdict === "rejected" ? "rejected" : verdict.replace(/-/g, " ");
    peerProblems.push({ severity: "warning", text: `peer ${label} ${what} (${detail})` });
  }
  for (const u of unresolved) {
    reports.push({ label: u.server, verdict: "unresolved", detail: u.detail, sample: null, jitter: 0, samples: 0 });
    peerProblems.push({ severity: "warning", text: `server ${u.server}: ${u.detail}` });
  }

  const configured = polls.length + unresolved.length;
  const offsets = valid.map((v) => v.s.offset);
  const stats: PollStats = {
    configured,
    valid: valid.length,
    medianOffset: offsets.length ? median(offsets) : null,
    meanAbsOffset: offsets.length ? offsets.reduce((a, x) => a + Math.abs(x), 0) / offsets.length : null,
    maxAbsOffset: offsets.length ? Math.max(...offsets.map(Math.abs)) : null,
    maxJitter: valid.length ? Math.max(...valid.map((v) => v.jitter)) : null,
    maxStratum: valid.length ? Math.max(...valid.map((v) => v.s.stratum)) : null,
    truechimers: 0,
  };

  if (valid.length === 0) problems.push({ severity: "critical", text: `no valid peer (of ${configured})` });
  else if (valid.length < t.minPeers) {
    problems.push({ severity: "critical", text: `only ${valid.length} of ${configured} peers valid (minimum ${t.minPeers})` });
  }
  // Strictly above, as the status line says ("> 500 ms") and the perfdata range -0.5:0.5 means.
  const level = (x: number): "ok" | "warning" | "critical" => (x > t.crit ? "critical" : x > t.warn ? "warning" : "ok");
  if (stats.meanAbsOffset !== null && stats.medianOffset !== null) {
    const meanLevel = level(stats.meanAbsOffset);
    if (meanLevel !== "ok") {
      const limit = meanLevel === "critical" ? t.crit : t.warn;
      problems.push({ severity: meanLevel, text: `mean abs offset ${formatMs(stats.meanAbsOffset, false)} > ${formatLimitMs(limit)}` });
    }
    const medianLevel = level(Math.abs(stats.medianOffset));
    if (SEVERITY[medianLevel] > SEVERITY[meanLevel]) {
      problems.push({
        severity: medianLevel,
        text: `median offset ${formatMs(stats.medianOffset)} beyond ±${formatLimitMs(medianLevel === "critical" ? t.crit : t.warn)}`,
      });
    }
  }

  let truechimers = valid.length;
  if (valid.length >= 2) {
    const sel = selectClocks(valid.map((v) => ({ id: v.label, offset: v.s.offset, lambda: rootDistanceOf({ ...v.s, jitter: v.jitter }) })));
    truechimers = sel.truechimers.length;
    if (!sel.consensus) {
      problems.push({
        severity: "critical",
        text: `no majority of the ${valid.length} valid peers agrees on the time (interval intersection)`,
      });
    } else {
      for (const id of sel.falsetickers) {
        const v = valid.find((x) => x.label === id)!;
        const range = `${formatMs(sel.low!)}…${formatMs(sel.high!)}`;
        peerProblems.push({ severity: "warning", text: `peer ${id} falseticker (offset ${formatMs(v.s.offset)}, majority ${range})` });
        const i = reports.findIndex((r) => r.label === id);
        reports[i] = { ...reports[i]!, verdict: "falseticker", detail: `outside majority interval ${range}` };
      }
    }
  }
  const finalStats: PollStats = { ...stats, truechimers };

  const highStratum = valid.filter((v) => v.s.stratum > t.maxStratum);
  if (highStratum.length > 0) {
    const names = highStratum.map((v) => `${v.label} stratum ${v.s.stratum}`).join(", ");
    problems.push({ severity: "warning", text: `stratum above ${t.maxStratum}: ${names}` });
  }
  // RFC 5905: the reference timestamp is when the server's clock was last set; a server
  // that has not heard from its source for days is serving its own drift.
  const stale = valid.filter((v) => v.s.referenceAge === null || v.s.referenceAge > STALE_REFERENCE_SECONDS);
  for (const v of stale) {
    const age = v.s.referenceAge === null ? "never set (reference timestamp 0)" : `last set ${(v.s.referenceAge / 3600).toFixed(0)} h ago`;
    problems.push({ severity: "warning", text: `peer ${v.label} clock ${age}` });
  }
  const announcing = valid.filter((v) => v.s.leap !== 0);
  if (announcing.length > 0 && announcing.length < valid.length) {
    const names = announcing.map((v) => `${v.label} LI=${v.s.leap}`).join(", ");
    problems.push({ severity: "warning", text: `leap second announced by ${announcing.length} of ${valid.length} valid peers (${names})` });
  } else if (new Set(announcing.map((v) => v.s.leap)).size > 1) {
    // Everyone announces, but some insert a second and some delete one: a second apart after.
    const names = announcing.map((v) => `${v.label} LI=${v.s.leap}`).join(", ");
    problems.push({ severity: "warning", text: `valid peers disagree on the leap second (${names})` });
  }

  const all = sortProblems([...problems, ...peerProblems]);
  return { status: worstStatus(all.map((p) => p.severity)), problems: all, peers: reports, stats: finalStats, unsyncPolls };
}
