import { flagWithValue, type OptionSpec } from "./option-spec.js";

/** Lines longer than this put the variable on a line of its own. */
const WIDTH = 100;

function meaning(spec: OptionSpec): string {
  return spec.default === undefined ? spec.help : `${spec.help} (default ${spec.default})`;
}

/**
 * The options table of --help, from the declaration: the flag and its value, what it does and
 * its default, and the environment variable that also sets it — in a column of its own when
 * every line fits the width, else under the option's text.
 *
 *   --samples N    requests per peer per poll (default 4)    CHIME_NTP_SAMPLES
 */
export function optionsHelp(specs: readonly OptionSpec[]): string {
  const flagWidth = Math.max(0, ...specs.map((s) => flagWithValue(s).length));
  const left = specs.map((s) => `  ${flagWithValue(s).padEnd(flagWidth)}  ${meaning(s)}`);
  const envColumn = Math.max(0, ...left.map((l) => l.length)) + 2;
  const envWidth = Math.max(0, ...specs.map((s) => s.env?.length ?? 0));
  const column = envColumn + envWidth <= WIDTH;
  const lines = specs.flatMap((s, i) => {
    const l = left[i]!;
    if (s.env === undefined) return [l];
    return column ? [`${l.padEnd(envColumn)}${s.env}`] : [l, `${"".padEnd(flagWidth + 4)}${s.env}`];
  });
  return lines.join("\n") + "\n";
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
