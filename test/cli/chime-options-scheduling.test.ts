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
    expect(o.atStart).toEqual({ value: true, source: "--at-start (flag)" });
    expect(o.retries).toEqual({ value: 3, source: "--retry (flag)" });
    expect(o.retryDelayMs).toEqual({ value: 120_000, source: "--retry-delay (flag)" });
    expect(o.maxConcurrent).toEqual({ value: 4, source: "--max-concurrent (flag)" });
  });

  it("environment variables, as envdir sets them", () => {
    const o = parseChimeOptions(["exec", "--", "true"], { CHIME_AT_START: "yes", CHIME_RETRY: "2", CHIME_RETRY_DELAY: "10s", CHIME_MAX_CONCURRENT: "1" });
    expect(o.atStart).toEqual({ value: true, source: "CHIME_AT_START (environment)" });
    expect(o.retries.value).toBe(2);
    expect(o.retryDelayMs.value).toBe(10_000);
    expect(o.maxConcurrent?.value).toBe(1);
  });

  it.each([
    [["--retry", "-1"], {}, 'bad value "-1" for --retry (flag): expected a whole number from 0 to 100'],
    [["--retry", "three"], {}, 'bad value "three" for --retry (flag): expected a whole number from 0 to 100'],
    [[], { CHIME_RETRY: "101" }, 'bad value "101" for CHIME_RETRY (environment): expected a whole number from 0 to 100'],
    [["--retry-delay", "0"], {}, 'bad value "0" for --retry-delay (flag): must be longer than 0s'],
    [["--retry-delay", "soon"], {}, 'bad value "soon" for --retry-delay (flag): not a duration'],
    [["--max-concurrent", "0"], {}, 'bad value "0" for --max-concurrent (flag): expected a whole number from 1 to 1000'],
    [[], { CHIME_AT_START: "maybe" }, 'bad value "maybe" for CHIME_AT_START (environment): expected yes/no, 1/0, true/false or on/off'],
  ])("refuses %j %j, naming the value and its source", (argv, env, message) => {
    const f = fatal([...argv, "exec", "--", "true"], env);
    expect(f.code).toBe(100);
    expect(f.message).toContain(message);
  });

  it("--help lists each with its variable", () => {
    for (const [flag, variable] of [
      ["--at-start", "CHIME_AT_START"],
      ["--retry N", "CHIME_RETRY"],
      ["--retry-delay DURATION", "CHIME_RETRY_DELAY"],
      ["--max-concurrent N", "CHIME_MAX_CONCURRENT"],
    ]) {
      expect(CHIME_USAGE).toMatch(new RegExp(`${flag}\\s+${variable}`));
    }
  });
});
