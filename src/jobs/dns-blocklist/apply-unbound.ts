import { link, rename } from "node:fs/promises";
import { createExclusive, type FileData, temporaryName, unlinkQuietlyAsync } from "../atomic-file.js";
import type { ProcessScope } from "../process-runner.js";
import { configWithInclude, IncludeNotUsedError } from "./checked-config.js";
import { firstProblemLine, unboundCheckconf, unboundControl, type UnboundTarget } from "./unbound-tools.js";

/**
 * Puts a new include in place and makes the running unbound serve it, or leaves everything as
 * it was:
 * 1. the new text goes to a temporary file beside the include;
 * 2. unbound-checkconf judges the whole configuration with that file in the include's place
 *    (checked-config.ts); refused: the temporary file is removed, nothing changed;
 * 3. renamed into place;
 * 4. `unbound-control reload_keep_cache` (a plain `reload` on an unbound without it);
 * 5. the reload failed: the previous file goes back and unbound is reloaded with it.
 *
 * Why reload_keep_cache and not a diff with `local_zones_remove`/`local_zones`: measured on
 * unbound 1.17.1 with 100 000 zones under a query loop (test/bench/dns-reload-strategies.bench.ts),
 * both kept every cached answer and lost no query (a plain `reload` empties the cache). A diff
 * of 1000 zones paused answers for 0.05–0.25 s against 0.3–1.6 s for the reload, but unbound
 * holds its zone lock while it reads the diff, so at 10 000 changes the pauses were alike and
 * at 50 000 the diff paused up to 5.8 s. And removing a zone with local_zones_remove also
 * removes the configuration's own local-data at and under that name until the next reload: an
 * allowlisted name that had local-data stopped resolving.
 * One way that is always right beats a faster one that is sometimes wrong.
 */
export interface ApplyOutcome {
  ok: boolean;
  /** how unbound took it */
  how?: "reload_keep_cache" | "reload";
  /** time from the rename to unbound answering with the new zones */
  reloadMs?: number;
  checkMs?: number;
  /** which step refused, and why (one line) */
  stage?: "check" | "reload";
  error?: string;
  /** the reload failed and the previous file is back in place (and reloaded) */
  rolledBack?: boolean;
  /** … and unbound took the previous file again (false: it may not be running at all) */
  rollbackReloaded?: boolean;
}

export async function applyInclude(t: UnboundTarget, text: FileData, scope: ProcessScope): Promise<ApplyOutcome> {
  const tmp = temporaryName(t.include);
  await createExclusive(tmp, text, 0o644, { fsync: true });
  let renamed = false;
  // the file served now, kept by a second name until unbound has taken the new one
  let previous: string | undefined;
  try {
    let checkMs: number;
    try {
      const checked = await configWithInclude(t.unboundConf, t.include, tmp);
      try {
        const answer = await unboundCheckconf(t, checked.path, scope);
        checkMs = answer.ms;
        if (!answer.ok)
          return { ok: false, stage: "check", checkMs, error: `unbound-checkconf refused it: ${firstProblemLine(answer.output)}` };
      } finally {
        await checked.dispose();
      }
    } catch (e) {
      if (e instanceof IncludeNotUsedError) return { ok: false, stage: "check", error: e.message };
      const err = e as NodeJS.ErrnoException;
      return { ok: false, stage: "check", error: `cannot prepare the check of ${t.unboundConf}: ${err.code ?? err.message}` };
    }
    const kept = temporaryName(t.include);
    previous = await link(t.include, kept).then(
      () => kept,
      () => undefined,
    );
    await rename(tmp, t.include);
    renamed = true;
    const started = performance.now();
    const reloaded = await reload(t, scope);
    if (reloaded.ok) return { ok: true, how: reloaded.how, reloadMs: performance.now() - started, checkMs };
    // unbound did not take it: the previous file goes back, so that the next restart serves
    // what was checked and served before
    const hadPrevious = previous !== undefined;
    if (previous === undefined) await unlinkQuietlyAsync(t.include);
    else {
      await rename(previous, t.include);
      previous = undefined;
    }
    const back = hadPrevious ? await reload(t, scope) : { ok: false };
    return {
      ok: false,
      stage: "reload",
      checkMs,
      error: `unbound-control ${reloaded.how}: ${firstProblemLine(reloaded.output)}`,
      rolledBack: true,
      rollbackReloaded: back.ok,
    };
  } finally {
    if (!renamed) await unlinkQuietlyAsync(tmp);
    if (previous !== undefined) await unlinkQuietlyAsync(previous);
  }
}

async function reload(
  t: UnboundTarget,
  scope: ProcessScope,
): Promise<{ ok: boolean; how: "reload_keep_cache" | "reload"; output: string }> {
  const kept = await unboundControl(t, ["reload_keep_cache"], scope);
  // an unbound before 1.17 does not know reload_keep_cache: the plain reload is the next best
  if (!kept.ok && /unknown command|unrecognized/i.test(kept.output)) {
    const plain = await unboundControl(t, ["reload"], scope);
    return { ok: plain.ok, how: "reload", output: plain.output };
  }
  return { ok: kept.ok, how: "reload_keep_cache", output: kept.output };
}
