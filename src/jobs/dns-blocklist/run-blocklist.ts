import type { JobContext, JobResult } from "../job.js";
import { promFileProblem, writePrometheusTextfile } from "../prometheus-textfile.js";
import { VersionStore } from "./applied-versions.js";
import { blocklistFamilies } from "./blocklist-metrics.js";
import type { DnsBlocklistSettings } from "./options.js";
import { reportText, statusLine } from "./plugin-output.js";
import { rollbackBlocklist } from "./rollback-blocklist.js";
import { readRunRecord, writeRunRecord } from "./run-record.js";
import { updateBlocklist } from "./update-blocklist.js";

export async function runBlocklist(s: DnsBlocklistSettings, ctx: JobContext): Promise<JobResult> {
  const record = await readRunRecord(ctx.stateDir);
  const versions = new VersionStore(ctx.stateDir);
  const end = await (s.rollback ? rollbackBlocklist(s, ctx, versions, s.rollback.version) : updateBlocklist(s, ctx, versions, record));
  const nowSeconds = Number(ctx.now().seconds);
  if (end.served) record.lastSuccess = nowSeconds;
  await writeRunRecord(ctx.stateDir, record).catch((e: unknown) =>
    ctx.log.warn({ error: (e as Error).message }, "cannot save dns-blocklist state"),
  );
  let { status, text } = end;
  if (s.promFile !== undefined) {
    const counts = new Map(end.counts.map((c) => [c.shown, c]));
    try {
      await writePrometheusTextfile(
        s.promFile,
        blocklistFamilies({
          sources: end.sources.map((f) => ({
            shown: f.shown,
            ok: f.state !== "failed",
            entries: counts.get(f.shown)?.entries,
            invalid: counts.get(f.shown)?.invalid,
          })),
          names: end.facts.names,
          networks: end.facts.networks,
          added: end.facts.added,
          removed: end.facts.removed,
          version: end.version,
          record,
          runEndSeconds: nowSeconds,
        }),
      );
    } catch (e) {
      ctx.log.warn({ error: promFileProblem(s.promFile, e) }, "cannot write --prom-file");
      if (status === "ok") status = "warning";
      text = `${text}; ${promFileProblem(s.promFile, e)}`;
    }
  }
  const line = statusLine(status, text, end.facts);
  return { status, summary: line, report: reportText(line, end.details) };
}
