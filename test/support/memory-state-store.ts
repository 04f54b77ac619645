import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunRecord, StateStore } from "../../src/daemon/run-state.js";

/** For tests and benchmarks: the same contract, no disk. */
export class MemoryStateStore implements StateStore {
  readonly records = new Map<string, RunRecord>();

  async load(tag: string): Promise<RunRecord> {
    return { ...(this.records.get(tag) ?? { job: tag }) };
  }

  async save(tag: string, rec: RunRecord): Promise<void> {
    this.saveNow(tag, rec);
  }

  saveNow(tag: string, rec: RunRecord): void {
    this.records.set(tag, structuredClone(rec));
  }

  async prepareJobDir(tag: string): Promise<string> {
    return join(tmpdir(), "chime-memory-state", tag);
  }
}
