import { exitCodeOfStatus } from "../job.js";
import { renderPrometheusText, type PromFamily, type PromLabels } from "../prometheus-textfile.js";
import type { Judgement } from "./judge-peers.js";
import type { PeerAsns } from "./peer-asns.js";

/** AS names are free text from remote servers: a label value is kept short. */
const MAX_AS_NAME = 64;

/**
 * Prometheus text exposition for node_exporter's textfile collector. Names follow
 * chrony_exporter's style (unit suffixes, `_info` for labels-only series) under our own
 * `chime_ntp_` namespace so they cannot collide with node_ntp_* or chrony_*.
 */
export function ntpFamilies(j: Judgement, polledAtSeconds: number, asns: PeerAsns | null = null): PromFamily[] {
  const fams: PromFamily[] = [];
  const fam = (name: string, help: string): [PromLabels, number][] => {
    const samples: [PromLabels, number][] = [];
    fams.push({ name: `chime_ntp_${name}`, help, samples });
    return samples;
  };
  fam("status", "Overall result: 0 ok, 1 warning, 2 critical, 3 unknown (Nagios codes).").push([{}, exitCodeOfStatus[j.status]]);
  fam("last_poll_timestamp_seconds", "When the last poll finished, POSIX seconds.").push([{}, polledAtSeconds]);
  fam("configured_peers", "Peers configured (each resolved address counts).").push([{}, j.stats.configured]);
  fam("valid_peers", "Peers that gave at least one valid sample.").push([{}, j.stats.valid]);
  fam("truechimers", "Valid peers inside the majority interval.").push([{}, j.stats.truechimers]);
  const opt = (name: string, help: string, v: number | null): void => {
    if (v !== null) fam(name, help).push([{}, v]);
  };
  opt("median_offset_seconds", "Median of valid peers' offsets (server minus local).", j.stats.medianOffset);
  opt("mean_abs_offset_seconds", "Mean of |offset| over valid peers.", j.stats.meanAbsOffset);
  opt("max_stratum", "Highest stratum among valid peers.", j.stats.maxStratum);
  const info = fam("peer_info", "One series per peer; verdict says how it was judged.");
  const valid = fam("peer_valid", "1 if the peer gave a valid sample and is not a falseticker.");
  const stratum = fam("peer_stratum", "Stratum of the peer's best sample (of its last refused reply when it has none).");
  const leap = fam("peer_leap", "Leap indicator of the peer's best sample (of its last refused reply when it has none).");
  const offset = fam("peer_offset_seconds", "Offset of the best (minimum-delay) sample, server minus local.");
  const delay = fam("peer_delay_seconds", "Round-trip delay of the best sample.");
  const jitter = fam("peer_jitter_seconds", "RMS of the samples' offsets around the best one.");
  const rootDist = fam("peer_root_distance_seconds", "Root delay / 2 + root dispersion the peer reported.");
  const refAge = fam("peer_reference_age_seconds", "Time since the peer's clock was last set from its source.");
  for (const p of j.peers) {
    const l = { peer: p.label };
    info.push([{ peer: p.label, verdict: p.verdict, refid: p.sample?.refId ?? "" }, 1]);
    valid.push([l, p.verdict === "valid" ? 1 : 0]);
    if (p.sample === null) {
      // An unsynchronised peer's LI=3 is the incident's signature: export what it said.
      if (p.refused) {
        stratum.push([l, p.refused.stratum]);
        leap.push([l, p.refused.leap]);
      }
      continue;
    }
    stratum.push([l, p.sample.stratum]);
    leap.push([l, p.sample.leap]);
    offset.push([l, p.sample.offset]);
    delay.push([l, p.sample.delay]);
    jitter.push([l, p.jitter]);
    rootDist.push([l, p.sample.rootDistance]);
    if (p.sample.referenceAge !== null) refAge.push([l, p.sample.referenceAge]);
  }
  if (asns !== null) {
    // one series per peer, like peer_info: the label set stays as bounded as the peer list
    const asInfo = fam("peer_asn_info", 'The peer\'s origin AS (asn="" when unknown or not announced), its name and registry country.');
    for (const p of j.peers) {
      const r = asns.results.get(p.label);
      if (r === undefined) continue;
      const answer = r.kind === "answer" ? r : null;
      asInfo.push([
        {
          peer: p.label,
          asn: answer ? String(answer.origins[0]) : "",
          as_name: (answer?.asName ?? "").slice(0, MAX_AS_NAME),
          country: answer?.country ?? "",
          result: r.kind,
        },
        1,
      ]);
    }
    fam("truechimer_asns", "Distinct networks (origin ASes) among the truechimers whose AS is known.").push([{}, asns.truechimerAsns]);
  }
  return fams;
}

export function prometheusText(j: Judgement, polledAtSeconds: number): string {
  return renderPrometheusText(ntpFamilies(j, polledAtSeconds));
}
