import { flagWithValue, type OptionSpec } from "./option-spec.js";

/** Lines longer than this put the variable on a line of its own. */
const WIDTH = 100;

function meaning(spec: OptionSpec): string {
  return spec.default === undefined ? spec.help : `${spec.help} (default ${spec.default})`;
}

/**
 * The options table of --help, from the declaration: the flag and its value, what it does and
 * its default, and the environment variable that also sets it.
 *
 *   --samples N    requests per peer per poll (default 4)    CHIME_NTP_SAMPLES
 */
export function optionsHelp(specs: readonly OptionSpec[]): string {
  const flagWidth = Math.max(0, ...specs.map((s) => flagWithValue(s).length));
  const left = specs.map((s) => `  ${flagWithValue(s).padEnd(flagWidth)}  ${meaning(s)}`);
  const envWidth = Math.max(0, ...specs.map((s) => s.env?.length ?? 0));
  const fits = left.filter((l) => l.length + 2 + envWidth <= WIDTH);
  const envColumn = Math.max(0, ...fits.map((l) => l.length)) + 2;
  const lines: string[] = [];
  specs.forEach((s, i) => {
    const l = left[i]!;
    if (s.env === undefined) lines.push(l);
    else if (l.length + 2 <= envColumn) lines.push(`${l.padEnd(envColumn)}${s.env}`);
    else lines.push(l, `${"".padEnd(envColumn)}${s.env}`);
  });
  return lines.map((l) => l.trimEnd()).join("\n") + "\n";
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

/** The same declaration as a Markdown table, for docs/ (scripts/docs-options.ts writes it). */
export function optionsMarkdown(specs: readonly OptionSpec[]): string {
  const rows = specs.map((s) => {
    const variable = s.env === undefined ? "(flag only)" : `\`${s.env}\``;
    return `| \`${cell(flagWithValue(s))}\` | ${variable} | ${s.default === undefined ? "" : `\`${cell(s.default)}\``} | ${cell(s.help)} |`;
  });
  return ["| Option | Variable | Default | Meaning |", "| --- | --- | --- | --- |", ...rows].join("\n") + "\n";
}
