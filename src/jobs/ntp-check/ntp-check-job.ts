import type { Job, JobContext, JobResult, JobStatus } from "../job.js";
import { promFileProblem, writePrometheusTextfile, type PromFamily } from "../prometheus-textfile.js";
import { poolProblems, poolScoreLine, poolScores, type PoolScoreSettings } from "./pool-score.js";
import { instantToMs } from "../../time/instant.js";
import type { NtpCheckConfig } from "./check-options.js";
import { emptyMemory, holdAfterKiss, loadMemory, saveMemory, type CheckMemory } from "./check-memory.js";
import { judgePoll, sortProblems, worstStatus, type Judgement } from "./judge-peers.js";
import { chronyView, openntpdView, type DaemonView } from "./local-daemon-view.js";
import { peerTable, statusLine } from "./nagios-output.js";
import { runCommand } from "./on-critical.js";
import { peerLabel, pollPeers, type Peer, type PeerPoll } from "./poll-peer.js";
import { serverText } from "./packet.js";
import { ntpFamilies } from "./prometheus-text.js";
import { systemNtpClock, type NtpClock } from "./query-server.js";
import { resolveServers, systemResolver, type Resolver } from "./server-address.js";
import type { NtpTimestamp } from "./ntp-timestamp.js";
import { asnText, peerAsns, type PeerAsns } from "./peer-asns.js";
import type { IpAddress } from "../asn/ip-address.js";
import type { SpecialRange } from "../asn/special-ranges.js";

/** What the outside world is to the job; real defaults, replaced in tests. */
export interface NtpCheckDeps {
  readonly resolver: Resolver;
  readonly clock: NtpClock;
  readonly nonce?: () => NtpTimestamp;
  /** which addresses --asn answers without a query (default: RFC 6890's); tests map loopback peers to ASes */
  readonly asnSpecial?: (ip: IpAddress) => SpecialRange | null;
}

export interface NtpCheckResult extends JobResult {
  /** the --verbose table (header first) and the local daemon's lines */
  readonly details: readonly string[];
  readonly verbose: boolean;
  readonly judgement: Judgement;
  /** --asn: who runs each peer */
  readonly asns: PeerAsns | null;
}

export class NtpCheckJob implements Job {
  readonly name = "ntp-check";
  private memory: CheckMemory | null = null;

  constructor(
    readonly config: NtpCheckConfig,
    private readonly deps: NtpCheckDeps = { resolver: systemResolver, clock: systemNtpClock },
  ) {}

  async run(ctx: JobContext): Promise<NtpCheckResult> {
    const cfg = this.config;
    // No state directory (the caller could not make one): remember in memory only, never
    // fall back to writing in the current directory.
    const persist = ctx.stateDir !== "";
    this.memory ??= persist ? await loadMemory(ctx.stateDir) : emptyMemory();
    const memory = this.memory;
    const nowMs = instantToMs(ctx.now());
    const { peers, failures } = await resolveServers(cfg.servers, this.deps.resolver, { signal: ctx.signal });

    const toAsk: Peer[] = [];
    const held: PeerPoll[] = [];
    for (const p of peers) {
      const hold = memory.kissHolds.get(peerLabel(p));
      if (hold && hold.untilMs > nowMs) {
        const until = new Date(hold.untilMs).toISOString();
        const detail = `kiss-o'-death ${serverText(hold.code)} earlier; not asked again before ${until}`;
        held.push({
          peer: p,
          samples: [],
          best: null,
          jitter: 0,
          failures: [{ reason: "kiss-of-death", detail, kissCode: hold.code }],
          kissCode: hold.code,
        });
      } else toAsk.push(p);
    }
    const polled = await pollPeers(toAsk, {
      samples: cfg.samples,
      spacingMs: cfg.spacingMs,
      timeoutMs: cfg.timeoutMs,
      limits: cfg.limits,
      clock: this.deps.clock,
      signal: ctx.signal,
      ...(this.deps.nonce ? { nonce: this.deps.nonce } : {}),
    });
    if (ctx.signal.aborted) {
      // Half a poll judges nothing: no verdicts remembered, no remediation, no metrics file.
      const judgement = judgePoll([], [], cfg.thresholds, new Map());
      const unknown = { ...judgement, status: "unknown" as const, problems: [{ severity: "unknown" as const, text: "poll aborted" }] };
      return {
        status: "unknown",
        summary: statusLine("unknown", unknown.problems, judgement.stats, cfg.thresholds),
        details: [],
        verbose: cfg.verbose,
        judgement: unknown,
        asns: null,
      };
    }
    for (const p of polled) {
      const label = peerLabel(p.peer);
      if (p.kissCode !== undefined) holdAfterKiss(memory, label, p.kissCode, nowMs);
      else if (p.samples.length > 0) memory.kissHolds.delete(label);
    }
    // Keep the configured order in the table, held peers included.
    const byPeer = new Map<Peer, PeerPoll>([...polled, ...held].map((p) => [p.peer, p]));
    const polls = peers.map((p) => byPeer.get(p)!);
    const unresolved = failures.map((f) => ({ server: f.server.text, detail: f.detail }));
    const judged = judgePoll(polls, unresolved, cfg.thresholds, memory.unsyncPolls);
    memory.unsyncPolls = new Map(judged.unsyncPolls);

    let daemon: DaemonView = { lines: [], problems: [] };
    if (cfg.daemon?.kind === "openntpd") daemon = await openntpdView(cfg.daemon.argv, judged.stats, cfg.thresholds, ctx);
    else if (cfg.daemon?.kind === "chrony") daemon = await chronyView(cfg.daemon.argv, cfg.thresholds, ctx);
    // After the measurement, never before: the lookups cannot delay or disturb it.
    let asns: PeerAsns | null = null;
    if (cfg.asn !== null && !ctx.signal.aborted) {
      const addressOf = new Map(polls.map((p) => [peerLabel(p.peer), p.peer.address]));
      const peersWithAddress = judged.peers.map((report) => ({ report, address: addressOf.get(report.label) ?? null }));
      asns = await peerAsns(peersWithAddress, cfg.asn, judged.stats.configured, ctx, this.deps.asnSpecial);
    }
    const daemonPeers = cfg.daemon ? { kind: cfg.daemon.kind, addresses: daemon.peerAddresses ?? [] } : undefined;
    const pool = cfg.poolScore
      ? await this.poolVerdicts(cfg.poolScore, polls, daemonPeers, persist ? ctx.stateDir : null, nowMs, ctx.signal)
      : { problems: [], lines: [], family: null };
    let problems = sortProblems([...judged.problems, ...daemon.problems, ...(asns?.problems ?? []), ...pool.problems]);
    let status: JobStatus = worstStatus(problems.map((p) => p.severity));
    const asnCell = asns === null ? undefined : (label: string) => asnText(asns.results.get(label));
    const details = [...peerTable(judged.peers, asnCell), ...daemon.lines, ...pool.lines];
    for (const line of details) ctx.log.info(line);

    if (cfg.promFile !== null) {
      try {
        const families = ntpFamilies({ ...judged, status, problems }, Math.floor(nowMs / 1000), asns);
        await writePrometheusTextfile(cfg.promFile, pool.family ? [...families, pool.family] : families);
      } catch (err) {
        // Monitoring that reads the file would go on seeing the last good poll: not "ok".
        problems = sortProblems([...problems, { severity: "warning", text: promFileProblem(cfg.promFile, err) }]);
        status = worstStatus(problems.map((p) => p.severity));
      }
    }
    const judgement: Judgement = { ...judged, status, problems };
    const summary = statusLine(status, problems, judged.stats, cfg.thresholds, asns?.notes);
    await this.remediate(ctx, memory, status, nowMs);
    if (persist) {
      try {
        await saveMemory(ctx.stateDir, memory);
      } catch (err) {
        ctx.log.warn(`cannot save state in ${ctx.stateDir}: ${(err as Error).message}`);
      }
    }
    const s = judged.stats;
    // log fields are snake_case, like every other field
    const metrics: Record<string, number> = { valid_peers: s.valid, configured_peers: s.configured, truechimers: s.truechimers };
    if (s.medianOffset !== null) metrics.median_offset_seconds = s.medianOffset;
    if (s.meanAbsOffset !== null) metrics.mean_abs_offset_seconds = s.meanAbsOffset;
    if (s.maxStratum !== null) metrics.max_stratum = s.maxStratum;
    if (asns !== null) metrics.truechimer_asns = asns.truechimerAsns;
    return { status, summary, metrics, details, verbose: cfg.verbose, judgement, asns };
  }

  /**
   * --pool-score: each peer that answered, judged by the pool's score (pool-score.ts). Asked
   * after the NTP measurement, so a slow API never skews it.
   */
  private async poolVerdicts(
    settings: PoolScoreSettings,
    polls: readonly PeerPoll[],
    daemonPeers: { kind: string; addresses: readonly string[] } | undefined,
    stateDir: string | null,
    nowMs: number,
    signal: AbortSignal,
  ) {
    // one query per address: peers on several ports of one address share its score and its verdict
    const labels = new Map<string, string[]>();
    for (const p of polls) if (p.samples.length > 0) labels.set(p.peer.address, [...(labels.get(p.peer.address) ?? []), peerLabel(p.peer)]);
    // the local daemon's own peers: the incident's dropped server is only there
    for (const a of daemonPeers?.addresses ?? [])
      if (!labels.has(a)) labels.set(a, [`${a.includes(":") ? `[${a}]` : a} (${daemonPeers!.kind}'s)`]);
    const scores = await poolScores({ addresses: [...labels.keys()], settings, stateDir, nowMs, signal });
    const label = (a: string) => labels.get(a)?.join(", ") ?? a;
    const family: PromFamily = {
      name: "chime_ntp_peer_pool_score",
      help: "The NTP pool's score of the peer (members only; cached for --pool-interval).",
      samples: scores.flatMap((p) => (typeof p.score === "number" ? [[{ peer: label(p.address) }, p.score] as const] : [])),
    };
    return { problems: poolProblems(scores, settings, label), lines: scores.map((p) => poolScoreLine(p, label(p.address))), family };
  }

  /** --on-critical after N critical polls in a row, at most once per --on-critical-every. */
  private async remediate(ctx: JobContext, memory: CheckMemory, status: JobStatus, nowMs: number): Promise<void> {
    memory.consecutiveCritical = status === "critical" ? memory.consecutiveCritical + 1 : 0;
    const oc = this.config.onCritical;
    if (oc === null || memory.consecutiveCritical < oc.after) return;
    if (memory.lastOnCriticalAt !== null && nowMs - memory.lastOnCriticalAt < oc.everyMs) {
      ctx.log.info(`on-critical: not running ${oc.argv[0]} again yet (last run ${new Date(memory.lastOnCriticalAt).toISOString()})`);
      return;
    }
    // Recorded before running, so a command that hangs or fails is not retried every poll.
    memory.lastOnCriticalAt = nowMs;
    ctx.log.warn(`on-critical: ${memory.consecutiveCritical} critical polls in a row, running ${oc.argv.join(" ")}`);
    const r = await runCommand(oc.argv, ctx);
    const how = r.error ?? (r.signal ? `killed by ${r.signal}` : `exit ${r.code}`);
    for (const line of r.output.split("\n").filter(Boolean).slice(0, 20)) ctx.log.info(`on-critical: ${line}`);
    (r.code === 0 ? ctx.log.info : ctx.log.warn).call(ctx.log, `on-critical: ${oc.argv[0]} finished: ${how}`);
  }
}
