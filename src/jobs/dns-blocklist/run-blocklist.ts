import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { JobContext, JobResult } from "../job.js";
import { LockBusyError, type PidLock, takePidLock } from "../pid-lock.js";
import { promFileProblem, writePrometheusTextfile } from "../prometheus-textfile.js";
import { VersionStore } from "./applied-versions.js";
import { blocklistFamilies } from "./blocklist-metrics.js";
import type { DnsBlocklistSettings } from "./options.js";
import { reportText, statusLine } from "./plugin-output.js";
import { rollbackBlocklist } from "./rollback-blocklist.js";
import { readRunRecord, writeRunRecord } from "./run-record.js";
import { updateBlocklist } from "./update-blocklist.js";

/** In the state directory: held for a whole run, update or rollback. */
const BLOCKLIST_LOCK_FILE = "blocklist.lock";

/**
 * One run at a time per state directory: a --rollback by hand during the scheduled run (or two
 * runs at once) would both read versions/index.json, write the include, reload unbound and add a
 * version — one could lose the other's version, or leave unbound serving a file the index does
 * not name. The second one is refused, changing nothing; a lock left by a killed run is taken over.
 */
export async function runBlocklist(s: DnsBlocklistSettings, ctx: JobContext): Promise<JobResult> {
  let lock: PidLock;
  try {
    await mkdir(ctx.stateDir, { recursive: true });
    lock = await takePidLock(join(ctx.stateDir, BLOCKLIST_LOCK_FILE), { busy: "blocklist is being updated" });
  } catch (e) {
    if (!(e instanceof LockBusyError)) throw e;
    ctx.log.error({ error: e.message }, "run refused, nothing changed");
    const line = statusLine("critical", `${e.message}; nothing changed`, NO_FACTS);
    return { status: "critical", summary: line, report: reportText(line, []) };
  }
  if (lock.tookOver) ctx.log.warn("took over the lock of a run that was killed");
  try {
    return await lockedRun(s, ctx);
  } finally {
    await lock.release();
  }
}

/** A refused run read nothing: the other run may be changing it. */
const NO_FACTS = { names: undefined, networks: undefined, added: 0, removed: 0, sourcesFailed: 0, sources: 0 };

async function lockedRun(s: DnsBlocklistSettings, ctx: JobContext): Promise<JobResult> {
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
