// --help and docs tables come from the declaration: every option, its value, its default and
// its variable appear, and nothing is stated a second time by hand.
import { describe, expect, it } from "vitest";
import { optionsHelp, optionsMarkdown, type OptionSpec } from "../../src/options/option-spec.js";

const OPTIONS: readonly OptionSpec[] = [
  { name: "samples", kind: "count", env: "CHIME_NTP_SAMPLES", default: "4", help: "requests per peer per poll" },
  { name: "verbose", kind: "switch", short: "v", env: "CHIME_NTP_VERBOSE", help: "print the per-peer table" },
  { name: "log-format", kind: "text", choices: ["text", "json"], env: "CHIME_LOG_FORMAT", default: "text", help: "log line format" },
  { name: "service", kind: "switch", help: "this is a service" },
  { name: "prom-file", kind: "text", value: "PATH", env: "CHIME_NTP_PROM_FILE", help: "write Prometheus metrics there, atomically, replacing the previous file" },
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
  });

  it("a line too long for the terminal puts its variable on the next line, in the column", () => {
    expect(lines[4]).toMatch(/^ {2}--prom-file PATH +write Prometheus/);
    expect(lines[5]!.trim()).toBe("CHIME_NTP_PROM_FILE");
    expect(lines[5]!.indexOf("CHIME")).toBe(lines[0]!.indexOf("CHIME"));
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(100);
  });
});

describe("optionsMarkdown", () => {
  it("a GitHub-flavoured table, the | of a value escaped", () => {
    expect(optionsMarkdown(OPTIONS.slice(2, 4))).toBe(
      [
        "| Option | Variable | Default | Meaning |",
        "| --- | --- | --- | --- |",
        "| `--log-format text\\|json` | `CHIME_LOG_FORMAT` | `text` | log line format |",
        "| `--service` | (flag only) |  | this is a service |",
        "",
      ].join("\n"),
    );
  });
});
