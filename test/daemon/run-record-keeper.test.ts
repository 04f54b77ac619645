/**
 * The run record's account of runs and attempts (docs/chime.md, Retries and Metrics): a run
 * is every attempt made for one slot; it counts once, and it ends with its last attempt.
 */
import pino from "pino";
import { describe, expect, it } from "vitest";
import { RunRecordKeeper } from "../../src/daemon/run-record-keeper.js";
import { MemoryStateStore } from "../support/memory-state-store.js";

const quiet = pino({ enabled: false });

function keeper(): { store: MemoryStateStore; book: RunRecordKeeper } {
  const store = new MemoryStateStore();
  return { store, book: new RunRecordKeeper("j", store, quiet) };
}

/** what runAttempt writes when an attempt has a result */
function attemptResult(book: RunRecordKeeper, endMs: number, status: "ok" | "critical"): void {
  book.record.lastStartMs = endMs - 10;
  book.record.lastEndMs = endMs;
  book.record.lastStatus = status;
}

describe("runs and attempts in the run record", () => {
  it("a run whose first attempt cannot be retried ends with that attempt", () => {
    const { book } = keeper();
    book.runStarted();
    attemptResult(book, 1000, "ok");
    book.attemptEnded(1, true);
    expect(book.record).toMatchObject({ runs: 1, lastAttempts: 1, lastRunEndMs: 1000 });
  });

  it("three attempts are one run, ended by the third", () => {
    const { book } = keeper();
    book.runStarted();
    for (const [n, endMs] of [
      [1, 1000],
      [2, 2000],
    ] as const) {
      attemptResult(book, endMs, "critical");
      book.attemptEnded(n, false);
      expect(book.record.lastRunEndMs).toBeUndefined();
    }
    attemptResult(book, 3000, "critical");
    book.attemptEnded(3, true);
    expect(book.record).toMatchObject({ runs: 1, lastAttempts: 3, lastRunEndMs: 3000 });
  });

  it("a retry not made (the next slot first, or a stop) ends the run with the last attempt made, saved", async () => {
    const { store, book } = keeper();
    book.runStarted();
    attemptResult(book, 1000, "critical");
    book.attemptEnded(1, false);
    await book.runEnded(1);
    expect(store.records.get("j")).toMatchObject({ runs: 1, lastAttempts: 1, lastRunEndMs: 1000 });
  });

  it("a run stopped before any attempt leaves the previous run's end alone", async () => {
    const { store, book } = keeper();
    book.runStarted();
    attemptResult(book, 1000, "ok");
    book.attemptEnded(1, true);
    book.runStarted();
    await book.runEnded(0);
    expect(book.record).toMatchObject({ runs: 1, lastRunEndMs: 1000 });
    expect(store.records.has("j")).toBe(false); // nothing new to save
  });

  it("slots are whole seconds; the record keeps milliseconds and never moves back", () => {
    const { book } = keeper();
    book.handle(1_796_207_522);
    book.handle(1_796_207_500);
    expect(book.handledThrough).toBe(1_796_207_522);
    expect(book.record.handledThroughMs).toBe(1_796_207_522_000);
  });
});
