// Issue 12: --at-start, --retry, --retry-delay, --max-concurrent — each from its flag, else its
// environment variable (envdir), else its default; a bad value is named with its source.
import { describe, expect, it } from "vitest";
import { parseChimeOptions } from "../../src/cli/chime-options.js";
import { CHIME_USAGE } from "../../src/cli/chime-usage.js";
import { Fatal } from "../../src/cli/die.js";

function fatal(argv: string[], env: Record<string, string> = {}): Fatal {
  try {
    parseChimeOptions(argv, env);
  } catch (e) {
    if (e instanceof Fatal) return e;
    throw e;
  }
  throw new Error(`expected ${argv.join(" ")} to be refused`);
}

describe("the new daemon options", () => {
  it("defaults: no at-start run, no retry, a 30 s first retry delay, the gate left to the daemon (CPUs)", () => {
    const o = parseChimeOptions(["exec", "--", "true"], {});
    expect(o.atStart).toEqual({ value: false, source: "default" });
    expect(o.retries).toEqual({ value: 0, source: "default" });
    expect(o.retryDelayMs).toEqual({ value: 30_000, source: "default" });
    expect(o.maxConcurrent).toBeUndefined();
  });

  it("flags", () => {
    const o = parseChimeOptions(["--at-start", "--retry", "3", "--retry-delay=2m", "--max-concurrent", "4", "exec", "--", "true"], {});
    expect(o.atStart).toEqual({ value: true, source: "--at-start" });
    expect(o.retries).toEqual({ value: 3, source: "--retry" });
    expect(o.retryDelayMs).toEqual({ value: 120_000, source: "--retry-delay" });
    expect(o.maxConcurrent).toEqual({ value: 4, source: "--max-concurrent" });
  });

  it("environment variables, as envdir sets them", () => {
    const o = parseChimeOptions(["exec", "--", "true"], {
      CHIME_AT_START: "yes",
      CHIME_RETRY: "2",
      CHIME_RETRY_DELAY: "10s",
      CHIME_MAX_CONCURRENT: "1",
    });
    expect(o.atStart).toEqual({ value: true, source: "CHIME_AT_START (environment)" });
    expect(o.retries.value).toBe(2);
    expect(o.retryDelayMs.value).toBe(10_000);
    expect(o.maxConcurrent?.value).toBe(1);
  });

  it.each([
    [["--retry", "-1"], {}, '--retry: not a whole number: "-1"'],
    [["--retry", "three"], {}, '--retry: not a whole number: "three"'],
    [[], { CHIME_RETRY: "101" }, 'CHIME_RETRY (environment): must be from 0 to 100: "101"'],
    [["--retry-delay", "0"], {}, '--retry-delay: must be at least 1ms: "0"'],
    [["--retry-delay", "soon"], {}, '--retry-delay: not a duration like 90s, 5m, 1h (a bare number is seconds): "soon"'],
    [["--max-concurrent", "0"], {}, '--max-concurrent: must be from 1 to 1000: "0"'],
    [[], { CHIME_AT_START: "maybe" }, 'CHIME_AT_START (environment): not a switch (yes/no, 1/0, true/false or on/off): "maybe"'],
  ])("refuses %j %j, naming the value and its source", (argv, env, message) => {
    const f = fatal([...argv, "exec", "--", "true"], env);
    expect(f.code).toBe(100);
    expect(f.message).toBe(message);
  });

  it("--help lists each with its variable", () => {
    for (const [flag, variable] of [
      ["--at-start", "CHIME_AT_START"],
      ["--retry N", "CHIME_RETRY"],
      ["--retry-delay DURATION", "CHIME_RETRY_DELAY"],
      ["--max-concurrent N", "CHIME_MAX_CONCURRENT"],
    ]) {
      // the flag's entry (its text may wrap) ends with its variable
      expect(CHIME_USAGE).toMatch(new RegExp(`\\n  ${flag} [^\\n]*(\\n {20,}[^\\n-][^\\n]*)*\\n {20,}env: ${variable}\\n`));
    }
  });
});
