import { stat } from "node:fs/promises";
import { hostname } from "node:os";
import type { JobContext, JobStatus } from "../job.js";
import { readRegularFile } from "../regular-file.js";
import { applyInclude, type ApplyOutcome } from "./apply-unbound.js";
import { listChanges, type VersionStore } from "./applied-versions.js";
import { buildBlocklist, type SourceCount } from "./build-blocklist.js";
import { HelperThread } from "./helper-thread.js";
import type { NeverBlock } from "./guards.js";
import { fetchSources, type FetchedSource } from "./fetch-sources.js";
import { logApplied } from "./log-applied.js";
import type { DnsBlocklistSettings } from "./options.js";
import type { PluginFacts } from "./plugin-output.js";
import type { RunEnding } from "./run-ending.js";
import type { RunRecord } from "./run-record.js";
import { digest, SourceStore } from "./source-store.js";
import { type BlockStyle, includeData } from "./unbound-include.js";
import { writeFirewallFiles } from "./write-firewall-files.js";

function styleOf(s: DnsBlocklistSettings): BlockStyle {
  return s.action === "redirect" ? { action: s.action, sink: s.sink } : { action: s.action };
}

/** Everything a version is built from, so that a run where nothing changed changes nothing. */
function inputsDigest(
  s: DnsBlocklistSettings,
  fetched: readonly FetchedSource[],
  allow: readonly string[],
  protect: readonly string[],
): string {
  return digest(
    JSON.stringify({
      sources: fetched.map((f) => [f.source, f.sha256 ?? null]),
      allow,
      protect,
      style: styleOf(s),
      pf: s.pfTable ?? null,
      nft: s.nftSet === undefined ? null : [s.nftSet, s.nftTable, s.nftSetName],
    }),
  );
}

async function readNamedFiles(paths: readonly string[], option: string): Promise<string[] | string> {
  const out: string[] = [];
  for (const p of paths) {
    try {
      out.push(await readRegularFile(p, { followLinks: true }));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      return `cannot read --${option} ${p}: ${err.code === "ENOTREG" ? err.message : (err.code ?? err.message)}`;
    }
  }
  return out;
}

/**
 * A scheduled run: fetches the sources, builds the blocklist, and applies it when it changed and
 * the guards let it through; otherwise the current version stays.
 */
export async function updateBlocklist(
  s: DnsBlocklistSettings,
  ctx: JobContext,
  versions: VersionStore,
  record: RunRecord,
): Promise<RunEnding> {
  const nowSeconds = Number(ctx.now().seconds);
  const index = await versions.index();
  const current = index.versions.find((v) => v.version === index.current);
  const base = { version: index.current, counts: [] as SourceCount[] };
  const store = new SourceStore(ctx.stateDir);
  await store.forgetAllBut(s.sources);
  const fetched = await fetchSources(s.sources, store, {
    timeoutMs: s.timeoutMs,
    maxSizeBytes: s.maxSizeBytes,
    maxRedirects: s.maxRedirects,
    signal: ctx.signal,
    nowSeconds,
  });
  const failed = fetched.filter((f) => f.state === "failed");
  for (const f of fetched) {
    if (f.state === "failed")
      ctx.log.warn({ source: f.shown, error: f.error, copy: f.bytes === undefined ? "none" : "last good copy used" }, "source failed");
    else ctx.log.info({ source: f.shown, state: f.state }, "source read");
  }
  const facts = (names = current?.names, networks = current?.networks, added = 0, removed = 0): PluginFacts => ({
    names,
    networks,
    added,
    removed,
    sourcesFailed: failed.length,
    sources: fetched.length,
  });
  const sourceLines = fetched.map(
    (f) =>
      `${f.shown}: ${f.state === "failed" ? `FAILED (${f.error ?? "?"})${f.bytes === undefined ? ", no copy" : ", last good copy used"}` : f.state}`,
  );
  const failedText =
    failed.length === 0 ? "" : `; ${failed.length === 1 ? "source" : "sources"} failed: ${failed.map((f) => f.shown).join(", ")}`;
  const kept = index.current === 0 ? "nothing applied yet" : `version ${index.current} kept`;
  const keep = (status: JobStatus, text: string, counts: SourceCount[] = []): RunEnding => ({
    status,
    text,
    facts: facts(),
    details: sourceLines,
    served: false,
    ...base,
    counts,
    sources: fetched,
  });

  if (failed.length === fetched.length) {
    // every source failed: the current blocklist stays; it is only CRITICAL once even the newest copy is stale
    const newest = Math.max(...fetched.map((f) => f.confirmedAt ?? -Infinity));
    const stale = !Number.isFinite(newest) || (nowSeconds - newest) * 1000 > s.maxAgeMs;
    return keep(
      stale ? "critical" : "warning",
      `every source failed, ${kept}${stale ? " and its newest list copy is older than --max-age" : ""}${failedText}`,
    );
  }

  const allow = await readNamedFiles(s.allow, "allow");
  if (typeof allow === "string") return keep("critical", `${allow}; ${kept}`);
  const protect = await readNamedFiles(s.protect, "protect");
  if (typeof protect === "string") return keep("critical", `${protect}; ${kept}`);

  const inputs = inputsDigest(s, fetched, allow, protect);
  const includeThere = await stat(s.include).then(
    () => true,
    () => false,
  );
  if (current && current.inputs === inputs && includeThere) {
    ctx.log.info({ version: current.version }, "nothing changed, nothing rebuilt or reloaded");
    return {
      ...keep(failed.length ? "warning" : "ok", `version ${current.version} unchanged, ${current.names} names${failedText}`),
      served: true,
    };
  }

  const usable = fetched.filter((f): f is FetchedSource & { bytes: number } => f.bytes !== undefined);
  // a second thread for a big list, started before the parse so that it is ready for the sort
  const helper = await HelperThread.forRun(usable.reduce((n, f) => n + f.bytes, 0));
  try {
    const built = await buildBlocklist(
      {
        sources: usable.map((f) => ({ shown: f.shown, bytes: f.bytes, pieces: (shared) => store.pieces(f.source, shared) })),
        allow: s.allow.map((path, i) => ({ path, text: allow[i]! })),
        previousEntries: current ? current.names + current.networks : undefined,
        limits: { maxShrinkPercent: s.maxShrinkPercent, maxGrowthPercent: s.maxGrowthPercent },
        neverBlock: neverBlock(fetched, s.protect, protect),
      },
      helper,
    );
    const counted = built.perSource.map(
      (c) =>
        `${c.shown}: ${c.entries} entries, ${c.invalid} invalid${c.firstInvalid.length ? ` (${c.firstInvalid.slice(0, 3).join("; ")})` : ""}`,
    );
    for (const c of built.perSource) {
      if (c.invalid > 0) ctx.log.warn({ source: c.shown, invalid: c.invalid, first: c.firstInvalid.join("; ") }, "invalid entries skipped");
    }
    if (built.allowInvalid.length > 0) ctx.log.warn({ first: built.allowInvalid.join("; ") }, "invalid --allow entries skipped");
    if (!built.ok) {
      record.guardTrips[built.guard]++;
      ctx.log.error({ guard: built.guard, reason: built.reason }, "result refused, current blocklist kept");
      return {
        ...keep("critical", `refused: ${built.reason}; ${kept}${failedText}`, built.perSource),
        details: [...sourceLines, ...counted],
      };
    }
    const d = built.decision;
    ctx.log.info(
      {
        names: d.blocked.length,
        networks: d.networks.length,
        carve_outs: d.carved.length,
        duplicates: d.duplicates,
        redundant: d.redundant,
        allowed: d.allowed,
        // whether the helper thread took part in the parse or the sort (a big list; see helper-thread.ts)
        threads: helper !== undefined && helper.jobsDone > 0 ? 2 : 1,
      },
      "blocklist decided",
    );

    const previous = current ? await versions.namesText(current.version).catch(() => "") : "";
    const changes = listChanges(previous, d);
    const style = styleOf(s);
    const outcome: ApplyOutcome = await applyInclude(s, includeData(d, style, helper), ctx);
    if (!outcome.ok) {
      ctx.log.error({ stage: outcome.stage, error: outcome.error, rolled_back: outcome.rolledBack ?? false }, "blocklist not applied");
      const what =
        outcome.stage === "reload"
          ? `reload failed (${outcome.error}); ${outcome.rollbackReloaded ? "rolled back to" : "file rolled back to"} version ${index.current}`
          : `not applied: ${outcome.error}; ${kept}`;
      return { ...keep("critical", `${what}${failedText}`, built.perSource), details: [...sourceLines, ...counted] };
    }

    const firewallProblems = await writeFirewallFiles(s, d.networks);
    const version = await versions.add(
      {
        appliedAt: nowSeconds,
        names: d.blocked.length,
        networks: d.networks.length,
        carveOuts: d.carved.length,
        added: changes.added,
        removed: changes.removed,
        style,
        inputs,
      },
      d,
      s.keep,
    );
    logApplied(ctx, version, changes, outcome);
    const problems = [...firewallProblems];
    const status: JobStatus = failed.length > 0 || problems.length > 0 ? "warning" : "ok";
    return {
      status,
      text: `version ${version.version} applied, ${d.blocked.length} names (+${changes.added} -${changes.removed}), ${d.networks.length} networks${failedText}${problems.map((p) => `; ${p}`).join("")}`,
      facts: facts(d.blocked.length, d.networks.length, changes.added, changes.removed),
      details: [...sourceLines, ...counted],
      served: true,
      version: version.version,
      counts: built.perSource,
      sources: fetched,
    };
  } finally {
    await helper?.close();
  }
}

/**
 * What must stay reachable whatever the lists say: this host (the resolver's own name), the
 * hosts the lists are downloaded from (else the next run could not fetch them), and every
 * entry of the --protect files (a name or an address a line).
 */
function neverBlock(fetched: readonly FetchedSource[], protectPaths: readonly string[], protectTexts: readonly string[]): NeverBlock[] {
  const out: NeverBlock[] = [{ name: hostname().toLowerCase(), why: "this host" }];
  for (const f of fetched) if (f.host !== undefined) out.push({ name: f.host, why: `the host of source ${f.shown}` });
  protectTexts.forEach((text, i) => {
    for (const line of text.split(/\r?\n/)) {
      const entry = line.replace(/(^|\s)#.*$/, "").trim();
      if (entry !== "") out.push({ name: entry, why: `--protect ${protectPaths[i]!}` });
    }
  });
  return out;
}
