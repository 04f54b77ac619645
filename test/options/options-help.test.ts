// --help and docs tables come from the declaration: every option, its value, its default and
// its variable appear, and nothing is stated a second time by hand.
import { describe, expect, it } from "vitest";
import { optionsHelp, optionsMarkdown, type OptionSpec } from "../../src/options/option-spec.js";

const OPTIONS: readonly OptionSpec[] = [
  { name: "samples", kind: "count", env: "CHIME_NTP_SAMPLES", default: "4", help: "requests per peer per poll" },
  { name: "verbose", kind: "switch", short: "v", env: "CHIME_NTP_VERBOSE", help: "print the per-peer table" },
  { name: "log-format", kind: "text", choices: ["text", "json"], env: "CHIME_LOG_FORMAT", default: "text", help: "log line format" },
  { name: "service", kind: "switch", help: "this is a service" },
  { name: "prom-file", kind: "text", value: "PATH", env: "CHIME_NTP_PROM_FILE", help: "write Prometheus metrics there" },
];

describe("optionsHelp", () => {
  const text = optionsHelp(OPTIONS);
  const lines = text.trimEnd().split("\n");

  it("one line per option, flags in one column, variables in another", () => {
    expect(lines[0]).toMatch(/^ {2}--samples N +requests per peer per poll \(default 4\) +CHIME_NTP_SAMPLES$/);
    expect(lines[1]).toMatch(/^ {2}-v, --verbose +print the per-peer table +CHIME_NTP_VERBOSE$/);
    expect(lines[2]).toMatch(/^ {2}--log-format text\|json +log line format \(default text\) +CHIME_LOG_FORMAT$/);
    expect(lines[3]).toMatch(/^ {2}--service +this is a service$/);
    const helpColumn = (l: string) => l.search(/ {2}\S/) + 2;
    expect(new Set(lines.slice(0, 4).map(helpColumn)).size).toBe(1);
    expect(lines[0]!.indexOf("CHIME_NTP_SAMPLES")).toBe(lines[1]!.indexOf("CHIME_NTP_VERBOSE"));
    expect(lines[4]!.indexOf("CHIME_NTP_PROM_FILE")).toBe(lines[1]!.indexOf("CHIME_NTP_VERBOSE"));
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(100);
  });

  it("when a line is too long for the terminal, every variable goes under its option's text", () => {
    const long = optionsHelp([...OPTIONS, { name: "x", kind: "text", env: "CHIME_X", help: "y".repeat(90) }])
      .trimEnd()
      .split("\n");
    const helpColumn = long[0]!.indexOf("requests");
    expect(long[0]).toMatch(/^ {2}--samples N +requests per peer per poll \(default 4\)$/);
    expect(long[1]).toBe(`${" ".repeat(helpColumn)}env: CHIME_NTP_SAMPLES`);
    expect(long[6]).toMatch(/^ {2}--service +this is a service$/);
    expect(long.at(-1)).toBe(`${" ".repeat(helpColumn)}env: CHIME_X`);
  });

  it("a long text is wrapped at word boundaries under its own column, never past 100", () => {
    const words = Array.from({ length: 40 }, (_, i) => `w${i}`).join(" ");
    const wrapped = optionsHelp([{ name: "long", kind: "count", env: "CHIME_LONG", help: words }])
      .trimEnd()
      .split("\n");
    const helpColumn = wrapped[0]!.indexOf("w0");
    expect(wrapped.length).toBeGreaterThan(2);
    for (const l of wrapped) expect(l.length).toBeLessThanOrEqual(100);
    for (const l of wrapped.slice(1)) expect(l.slice(0, helpColumn).trim()).toBe("");
    expect(wrapped.map((l) => l.trim()).join(" ")).toBe(`--long N  ${words} env: CHIME_LONG`);
  });
});

describe("optionsMarkdown", () => {
  it("the docs' longer text where the declaration has one, as Markdown", () => {
    const table = optionsMarkdown([
      { name: "warn", kind: "duration", help: "WARNING above", doc: "mean \\|offset\\| above this is a WARNING" },
    ]);
    expect(table.split("\n")[2]).toBe("| `--warn DURATION` | (flag only) | — | mean \\|offset\\| above this is a WARNING |");
  });

  it("a GitHub-flavoured table, the | of a value escaped", () => {
    expect(optionsMarkdown(OPTIONS.slice(2, 4))).toBe(
      [
        "| option | variable | default | meaning |",
        "|---|---|---|---|",
        "| `--log-format text\\|json` | `CHIME_LOG_FORMAT` | `text` | log line format |",
        "| `--service` | (flag only) | — | this is a service |",
        "",
      ].join("\n"),
    );
  });
});
