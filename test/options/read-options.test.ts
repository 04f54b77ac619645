// The one option layer (issue 10 §4): flag → environment → config file → default, every value
// checked once, every error one line naming the value and its source. Expected numbers are the
// units' arithmetic (1M = 1024², 1m30s = 90 000 ms); the yes/no words are switch-option.ts's.
import { describe, expect, it } from "vitest";
import { JobConfigError } from "../../src/jobs/job.js";
import type { OptionSpec } from "../../src/options/option-spec.js";
import { peekFlag, readOptions } from "../../src/options/read-options.js";

const OPTIONS: readonly OptionSpec[] = [
  {
    name: "max-shrink",
    kind: "percent",
    env: "CHIME_T_MAX_SHRINK",
    default: "50%",
    help: "refuse a result that shrinks by more than this",
  },
  { name: "timeout", kind: "duration", env: "CHIME_T_TIMEOUT", default: "30s", min: 1000, max: 600_000, help: "per request" },
  { name: "allow", kind: "list", env: "CHIME_T_ALLOW", help: "names always allowed" },
  { name: "verbose", kind: "switch", env: "CHIME_T_VERBOSE", short: "v", help: "more output" },
  { name: "samples", kind: "count", env: "CHIME_T_SAMPLES", default: "4", min: 1, max: 16, help: "requests per peer" },
  { name: "max-size", kind: "size", env: "CHIME_T_MAX_SIZE", default: "1M", min: 4096, help: "largest download" },
  { name: "daemon", kind: "text", env: "CHIME_T_DAEMON", choices: ["openntpd", "chrony", "none"], default: "none", help: "local daemon" },
  { name: "prom-file", kind: "text", env: "CHIME_T_PROM_FILE", value: "PATH", help: "metrics" },
  { name: "service", kind: "switch", help: "a flag only" },
  { name: "warn", kind: "duration", env: "CHIME_T_WARN", unitRequired: true, default: "100ms", help: "threshold" },
];

const read = (
  args: string[],
  env: Record<string, string> = {},
  extra: Parameters<typeof readOptions>[2] extends infer L ? Partial<L> : never = {},
) => readOptions("t", OPTIONS, { args, env, ...extra });

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(JobConfigError);
    return (e as Error).message;
  }
  throw new Error("no error thrown");
}

describe("defaults, stated once in a user's words", () => {
  it("each kind reads its default", () => {
    const o = read([]);
    expect(o.percent("max-shrink")).toBe(50);
    expect(o.duration("timeout")).toBe(30_000);
    expect(o.count("samples")).toBe(4);
    expect(o.size("max-size")).toBe(1024 * 1024);
    expect(o.text("daemon")).toBe("none");
    expect(o.duration("warn")).toBe(100);
    expect(o.source("timeout")).toBe("default");
  });

  it("an option without a default is absent: switch false, list empty, text undefined", () => {
    const o = read([]);
    expect(o.switch("verbose")).toBe(false);
    expect(o.list("allow")).toEqual([]);
    expect(o.text("prom-file")).toBeUndefined();
    expect(o.has("prom-file")).toBe(false);
    expect(o.has("timeout")).toBe(true);
  });
});

describe("precedence: flag, then environment, then config file, then default", () => {
  const config = { timeout: { text: "2m", source: "config file jobs.json line 7" } };

  it("the config file beats the default", () => {
    const o = read([], {}, { config });
    expect([o.duration("timeout"), o.source("timeout")]).toEqual([120_000, "config file jobs.json line 7"]);
  });

  it("the environment beats the config file", () => {
    const o = read([], { CHIME_T_TIMEOUT: "1m30s" }, { config });
    expect([o.duration("timeout"), o.source("timeout")]).toEqual([90_000, "CHIME_T_TIMEOUT (environment)"]);
  });

  it("a flag beats the environment, in both spellings", () => {
    for (const args of [["--timeout", "5m"], ["--timeout=5m"]]) {
      const o = read(args, { CHIME_T_TIMEOUT: "1m30s" }, { config });
      expect([o.duration("timeout"), o.source("timeout")]).toEqual([300_000, "--timeout"]);
    }
  });

  it("an empty variable is unset (envdir leaves an empty file so)", () => {
    const o = read([], { CHIME_T_TIMEOUT: "" });
    expect(o.source("timeout")).toBe("default");
  });

  it("a list from flags is every flag; from the environment, split on commas, blanks and lines", () => {
    expect(read(["--allow", "a", "--allow=b"], { CHIME_T_ALLOW: "x" }).list("allow")).toEqual(["a", "b"]);
    expect(read([], { CHIME_T_ALLOW: "a,b c\nd" }).list("allow")).toEqual(["a", "b", "c", "d"]);
    expect(read([], {}, { config: { allow: { text: ["p", "q"], source: "config file f line 2" } } }).list("allow")).toEqual(["p", "q"]);
  });
});

describe("switches: the one yes/no vocabulary", () => {
  it.each([
    [["--verbose"], true],
    [["-v"], true],
    [["--verbose=no"], false],
    [["--verbose=ON"], true],
    [["--verbose=0"], false],
  ])("%j", (args, on) => {
    expect(read(args).switch("verbose")).toBe(on);
  });

  it.each([
    ["yes", true],
    ["off", false],
    ["TRUE", true],
    ["0", false],
  ])("CHIME_T_VERBOSE=%s", (text, on) => {
    expect(read([], { CHIME_T_VERBOSE: text }).switch("verbose")).toBe(on);
  });

  it("a switch never takes the next word as its value", () => {
    const o = read(["--verbose", "no"]);
    expect([o.switch("verbose"), o.positionals]).toEqual([true, ["no"]]);
  });

  it("a word outside the vocabulary is an error naming it and the variable", () => {
    expect(errorOf(() => read([], { CHIME_T_VERBOSE: "maybe" }))).toBe(
      't: CHIME_T_VERBOSE (environment): not a switch (yes/no, 1/0, true/false or on/off): "maybe"',
    );
  });
});

describe("positionals", () => {
  it("mixed with options, and everything after --", () => {
    expect(read(["DIR", "--timeout", "5m", "x", "--", "--verbose", "-"]).positionals).toEqual(["DIR", "x", "--verbose", "-"]);
  });

  it("stopAtPositional: the first positional and all after it are someone else's words", () => {
    const o = read(["--timeout", "5m", "exec", "--", "ls", "--timeout", "-l"], {}, { stopAtPositional: true });
    expect(o.positionals).toEqual(["exec", "--", "ls", "--timeout", "-l"]);
    expect(o.duration("timeout")).toBe(300_000);
    expect(read(["-v", "--", "-x"], {}, { stopAtPositional: true }).positionals).toEqual(["-x"]);
  });
});

describe("errors: one line, the value and its source", () => {
  it.each([
    [["--max-shrink", "fifty"], {}, 't: --max-shrink: not a percentage from 0 to 100 ("50" or "50%"): "fifty"'],
    [[], { CHIME_T_MAX_SHRINK: "101%" }, 't: CHIME_T_MAX_SHRINK (environment): must be from 0% to 100%: "101%"'],
    [["--timeout", "soon"], {}, 't: --timeout: not a duration like 90s, 5m, 1h (a bare number is seconds): "soon"'],
    [["--timeout", "500ms"], {}, 't: --timeout: must be from 1s to 10m: "500ms"'],
    [[], { CHIME_T_SAMPLES: "17" }, 't: CHIME_T_SAMPLES (environment): must be from 1 to 16: "17"'],
    [["--samples=-1"], {}, 't: --samples: not a whole number: "-1"'],
    [["--samples", "2.5"], {}, 't: --samples: not a whole number: "2.5"'],
    [["--max-size", "1T"], {}, 't: --max-size: not a size like 65536, 256K, 4M or 1G: "1T"'],
    [["--max-size", "1K"], {}, 't: --max-size: must be at least 4K: "1K"'],
    [["--daemon", "ntpd"], {}, 't: --daemon: not one of openntpd, chrony, none: "ntpd"'],
    [["--warn", "5"], {}, 't: --warn: not a duration with a unit, like 250ms, 2s, 1h: "5"'],
    [["--prom-file="], {}, 't: --prom-file: must not be empty: ""'],
    [["--nope"], {}, "t: --nope: unknown option"],
    [["-x"], {}, "t: -x: unknown option"],
    [["--timeout"], {}, "t: --timeout: needs a value"],
    [["--timeout", "1m", "--timeout", "2m"], {}, 't: --timeout: given twice: "2m"'],
    [["--service=maybe"], {}, 't: --service: not a switch (yes/no, 1/0, true/false or on/off): "maybe"'],
  ])("%j %j", (args, env, message) => {
    expect(errorOf(() => read(args, env as Record<string, string>))).toBe(message);
  });

  it("a config file value names the file and line", () => {
    const config = { samples: { text: "many", source: "config file jobs.json line 3" } };
    expect(errorOf(() => read([], {}, { config }))).toBe('t: config file jobs.json line 3: not a whole number: "many"');
  });

  it("a flag-only option is not read from a variable of its name", () => {
    expect(read([], { CHIME_T_SERVICE: "yes", SERVICE: "yes" }).switch("service")).toBe(false);
  });

  it("a bad default is caught like any other value", () => {
    const bad: OptionSpec[] = [{ name: "n", kind: "count", default: "four", help: "" }];
    expect(errorOf(() => readOptions("t", bad, { args: [] }))).toBe('t: default: not a whole number: "four"');
  });
});

describe("reading a value the declaration does not have is a programming mistake", () => {
  it("unknown name, wrong kind, no value", () => {
    const o = read([]);
    expect(() => o.count("nope")).toThrow(/no option --nope/);
    expect(() => o.count("timeout")).toThrow(/is a duration, not a count/);
    expect(() => read([]).text("prom-file")).not.toThrow();
    const noDefault: OptionSpec[] = [{ name: "n", kind: "count", help: "" }];
    expect(() => readOptions("t", noDefault, { args: [] }).count("n")).toThrow(/has no value and no default/);
  });
});

describe("afterTerminator: the words after --, for a program that hands them on", () => {
  it("undefined without --, else exactly the words after it (also the last positionals)", () => {
    expect(read(["NAME"]).afterTerminator).toBeUndefined();
    const o = read(["NAME", "--verbose", "--", "ls", "--verbose"]);
    expect(o.afterTerminator).toEqual(["ls", "--verbose"]);
    expect(o.positionals).toEqual(["NAME", "ls", "--verbose"]);
    expect(read(["--"]).afterTerminator).toEqual([]);
  });
});

describe("peekFlag: a flag's text before the options are read, never an error", () => {
  it("the last value given before the first positional; nothing for bad or absent options", () => {
    expect(peekFlag(OPTIONS, { args: ["--daemon", "chrony", "--bogus", "--daemon=none", "x"], stopAtPositional: true }, "daemon")).toBe(
      "none",
    );
    expect(peekFlag(OPTIONS, { args: ["x", "--daemon", "chrony"], stopAtPositional: true }, "daemon")).toBeUndefined();
    expect(peekFlag(OPTIONS, { args: ["--", "--daemon", "chrony"] }, "daemon")).toBeUndefined();
    expect(peekFlag(OPTIONS, { args: ["--daemon"] }, "daemon")).toBeUndefined();
  });
});
