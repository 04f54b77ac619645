// The chain evaluator in-process: how argv splits into links, what reaches the final program,
// and rw-sleep's decisions, with an injected clock (no real sleeping).
import { afterEach, describe, expect, it, vi } from "vitest";
import { evaluateChain, RwError, rwProgramName, type ChainIo } from "../../src/cli/rw-chain.js";
import { instant } from "../../src/time/instant.js";
import { stampHex } from "./tai-oracle.js";

const NOW = 1_800_000_000; // 2027-01-15T08:00:00Z, after the last leap second: label = unix + 37

function io(env: Record<string, string | undefined> = {}, wake?: AbortSignal): ChainIo & { printed: string[] } {
  const printed: string[] = [];
  return {
    env,
    dateTz: process.env["TZ"],
    now: () => instant(NOW, 500_000_000),
    out: (t) => printed.push(t),
    printed,
    ...(wake ? { wake } : {}),
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("rwProgramName", () => {
  it.each([
    ["rw-add", "rw-add"],
    ["/usr/local/bin/rw-sleep", "rw-sleep"],
    ["./node_modules/chime/dist/bin/rw-match.cjs", "rw-match"],
    ["rw-touch", null], // runwhen has it, chime does not: an external program
    ["rw-add2", null],
    ["xrw-add", null],
    ["/bin/sh", null],
  ])("%s → %s", (word, name) => expect(rwProgramName(word)).toBe(name));
});

describe("evaluateChain", () => {
  it("print mode writes 24 hex digits and a newline", async () => {
    const o = io();
    await expect(evaluateChain("rw-add", ["n", "d1S"], o)).resolves.toEqual({ kind: "exit", code: 0 });
    expect(o.printed).toEqual([stampHex(NOW + 1, 500_000_000) + "\n"]);
  });

  it("chain mode sets each variable and ends at the first external program with its arguments", async () => {
    const o = io({ KEEP: "yes" });
    const end = await evaluateChain("rw-add", ["n", "d1S", "a", "rw-sub", "$a", "d2S", "b", "job", "rw-add", "-x"], o);
    expect(end).toEqual({
      kind: "run",
      prog: "rw-sub",
      file: "job",
      args: ["rw-add", "-x"], // our names after the program are its arguments, not links
      env: { KEEP: "yes", a: stampHex(NOW + 1, 500_000_000), b: stampHex(NOW - 1, 500_000_000) },
      ignoreAlarm: false,
    });
    expect(o.printed).toEqual([]);
  });

  it("a later link can overwrite a variable and read its own result", async () => {
    const o = io();
    await evaluateChain("rw-add", ["n", "d0S", "t", "rw-add", "$t", "d1S", "t", "rw-add", "$t", "d1S"], o);
    expect(o.printed).toEqual([stampHex(NOW + 2, 500_000_000) + "\n"]);
  });

  it("after rw-sleep the program runs with ALRM ignored, also past later links", async () => {
    const end = await evaluateChain("rw-sleep", ["t1000", "rw-add", "n", "d1S", "x", "job"], io());
    expect(end).toMatchObject({ kind: "run", prog: "rw-add", file: "job", ignoreAlarm: true });
  });

  it("rw-sleep with a past stamp does not sleep; with no program it exits 0", async () => {
    await expect(evaluateChain("rw-sleep", [`@${stampHex(NOW - 5)}`], io())).resolves.toEqual({ kind: "exit", code: 0 });
  });

  it("an ALRM that came before the sleep phase makes rw-sleep run at once (reference §4.14)", async () => {
    const wake = new AbortController();
    wake.abort();
    const end = await evaluateChain("rw-add", ["n", "d1H", "t", "rw-sleep", "$t", "job"], io({}, wake.signal));
    expect(end).toMatchObject({ kind: "run", file: "job", ignoreAlarm: true });
  });

  it("rw-sleep waits on the injected clock until the stamp", async () => {
    vi.useFakeTimers();
    let now = instant(NOW);
    const o: ChainIo = { env: {}, dateTz: process.env["TZ"], now: () => now, out: () => {} };
    let done = false;
    void evaluateChain("rw-sleep", [`@${stampHex(NOW + 120)}`], o).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(60_000);
    now = instant(NOW + 119);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(done).toBe(false);
    now = instant(NOW + 120);
    await vi.advanceTimersByTimeAsync(1000);
    expect(done).toBe(true);
  });

  it("errors carry the failing link's name, usage errors too", async () => {
    const err = await evaluateChain("rw-add", ["n", "d1S", "x", "rw-max", "$x", "bogus", "y", "job"], io()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RwError);
    expect((err as RwError).line()).toBe("rw-max: malformed timestamp: bogus");
    expect((err as RwError).code).toBe(100);
    const usage = await evaluateChain("rw-add", ["n", "d1S", "x", "rw-match", "$x"], io()).catch((e: unknown) => e);
    expect((usage as RwError).line()).toBe("rw-match: usage: rw-match stamp constraints [VAR program arg...]");
  });
});
