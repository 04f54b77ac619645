import type { JobContext } from "../job.js";
import { listChanges, type VersionStore } from "./applied-versions.js";
import { applyInclude } from "./apply-unbound.js";
import { logApplied } from "./log-applied.js";
import type { DnsBlocklistSettings } from "./options.js";
import type { PluginFacts } from "./plugin-output.js";
import type { RunEnding } from "./run-ending.js";
import { includeChunks } from "./unbound-include.js";
import { writeFirewallFiles } from "./write-firewall-files.js";

/** --rollback: applies a kept version again, as a new version (the history only grows). */
export async function rollbackBlocklist(
  s: DnsBlocklistSettings,
  ctx: JobContext,
  versions: VersionStore,
  wanted: number | null,
): Promise<RunEnding> {
  const index = await versions.index();
  const current = index.versions.find((v) => v.version === index.current);
  const targetNumber = wanted ?? index.versions.filter((v) => v.version < index.current).at(-1)?.version;
  const target = index.versions.find((v) => v.version === targetNumber);
  const facts: PluginFacts = { names: current?.names, networks: current?.networks, added: 0, removed: 0, sourcesFailed: 0, sources: 0 };
  const base = { facts, served: false, version: index.current, sources: [], counts: [] };
  const kept = index.versions.map((v) => v.version).join(", ") || "none";
  if (!target) {
    return {
      ...base,
      status: "critical",
      text: `no version ${targetNumber ?? "before the current one"} to roll back to (kept: ${kept})`,
      details: [],
    };
  }
  const lists = await versions.lists(target.version);
  const { networks } = lists;
  const names = lists.blocked;
  const previous = current ? await versions.namesText(current.version).catch(() => "") : "";
  const changes = listChanges(previous, lists);
  const outcome = await applyInclude(s, includeChunks(lists, target.style), ctx);
  if (!outcome.ok) {
    return {
      ...base,
      status: "critical",
      text: `rollback to version ${target.version} failed: ${outcome.error}; version ${index.current} kept`,
      details: [],
    };
  }
  const firewallProblems = await writeFirewallFiles(s, networks);
  const v = await versions.add(
    {
      appliedAt: Number(ctx.now().seconds),
      names: names.length,
      networks: networks.length,
      carveOuts: lists.carved.length,
      added: changes.added,
      removed: changes.removed,
      style: target.style,
      inputs: `rollback:${target.inputs}`,
      rollbackOf: target.version,
    },
    lists,
    s.keep,
  );
  logApplied(ctx, v, changes, outcome);
  return {
    ...base,
    status: firewallProblems.length ? "warning" : "ok",
    text: `rolled back to version ${target.version} (now version ${v.version}), ${names.length} names (+${changes.added} -${changes.removed})${firewallProblems.map((p) => `; ${p}`).join("")}`,
    facts: { ...facts, names: names.length, networks: networks.length, added: changes.added, removed: changes.removed },
    served: true,
    version: v.version,
    details: [],
  };
}
