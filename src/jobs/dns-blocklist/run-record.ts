import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../atomic-file.js";
import type { GuardName } from "./build-blocklist.js";

/** What the metrics need to carry across runs: the last success, and how often each guard refused. */
export interface RunRecord {
  /** seconds since the epoch, of the last run that ended with the wanted list served */
  lastSuccess?: number;
  guardTrips: Record<GuardName, number>;
}

const EMPTY: RunRecord = { guardTrips: { shrink: 0, growth: 0, "never-block": 0 } };

export async function readRunRecord(stateDir: string): Promise<RunRecord> {
  try {
    const r = JSON.parse(await readFile(join(stateDir, "run.json"), "utf8")) as Partial<RunRecord>;
    return { ...(r.lastSuccess !== undefined ? { lastSuccess: r.lastSuccess } : {}), guardTrips: { ...EMPTY.guardTrips, ...r.guardTrips } };
  } catch {
    return { guardTrips: { ...EMPTY.guardTrips } };
  }
}

export async function writeRunRecord(stateDir: string, r: RunRecord): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  await writeFileAtomic(join(stateDir, "run.json"), `${JSON.stringify(r)}\n`);
}
