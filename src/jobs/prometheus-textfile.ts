import { writeFileAtomic } from "./atomic-file.js";

/**
 * The one Prometheus text writer of every job: metric families in the text exposition format
 * (version 0.0.4), written for node_exporter's textfile collector. The collector may read the
 * file at any moment, so it is written exclusively under a random temporary name beside the
 * target and renamed into place (atomic-file.ts): a reader sees the old file or the new one.
 */

export type PromLabels = Readonly<Record<string, string>>;

export interface PromFamily {
  /** full metric name, `chime_<job>_…` */
  readonly name: string;
  readonly help: string;
  readonly type?: "gauge" | "counter";
  readonly samples: readonly (readonly [labels: PromLabels, value: number])[];
}

/** A label value as the format wants it: backslash, double quote and line feed escaped. */
function labelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** HELP text escapes only backslash and line feed. */
function helpText(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function sampleValue(x: number): string {
  return Number.isFinite(x) ? String(x) : x > 0 ? "+Inf" : x < 0 ? "-Inf" : "NaN";
}

/** The text of the families, in order; a family without samples is left out. */
export function renderPrometheusText(families: readonly PromFamily[]): string {
  const out: string[] = [];
  for (const f of families) {
    if (f.samples.length === 0) continue;
    out.push(`# HELP ${f.name} ${helpText(f.help)}`, `# TYPE ${f.name} ${f.type ?? "gauge"}`);
    for (const [labels, v] of f.samples) {
      const ls = Object.entries(labels).map(([k, x]) => `${k}="${labelValue(x)}"`);
      out.push(`${f.name}${ls.length ? `{${ls.join(",")}}` : ""} ${sampleValue(v)}`);
    }
  }
  return `${out.join("\n")}\n`;
}

/** Writes the families to `path` (exclusive temporary file, fsync, rename). */
export async function writePrometheusTextfile(path: string, families: readonly PromFamily[]): Promise<void> {
  await writeFileAtomic(path, renderPrometheusText(families));
}

/**
 * The problem text a job reports when its metrics file cannot be written — a run with stale
 * metrics is not "ok": `cannot write --prom-file PATH: ERRNO`.
 */
export function promFileProblem(path: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return `cannot write --prom-file ${path}: ${e.code ?? e.message ?? String(err)}`;
}
