import { flagWithValue, type OptionSpec } from "./option-spec.js";

/** Lines longer than this put the variable on a line of its own. */
const WIDTH = 100;

function meaning(spec: OptionSpec): string {
  return spec.default === undefined ? spec.help : `${spec.help} (default ${spec.default})`;
}

/**
 * The options table of --help, from the declaration: the flag and its value, what it does and
 * its default, and the environment variable that also sets it — in a column of its own when
 * every line fits the width, else under the option's text (wrapped to the width).
 *
 *   --samples N    requests per peer per poll (default 4)    CHIME_NTP_SAMPLES
 */
export function optionsHelp(specs: readonly OptionSpec[]): string {
  const flagWidth = Math.max(0, ...specs.map((s) => flagWithValue(s).length));
  const indent = " ".repeat(flagWidth + 4);
  const left = specs.map((s) => `  ${flagWithValue(s).padEnd(flagWidth)}  ${meaning(s)}`);
  const envColumn = Math.max(0, ...left.map((l) => l.length)) + 2;
  const envWidth = Math.max(0, ...specs.map((s) => s.env?.length ?? 0));
  if (envColumn + envWidth <= WIDTH) {
    return left.map((l, i) => (specs[i]!.env === undefined ? l : `${l.padEnd(envColumn)}${specs[i]!.env}`)).join("\n") + "\n";
  }
  const lines = specs.flatMap((s) => {
    const [first = "", ...more] = wrap(meaning(s), WIDTH - indent.length);
    return [
      `  ${flagWithValue(s).padEnd(flagWidth)}  ${first}`,
      ...more.map((m) => indent + m),
      ...(s.env === undefined ? [] : [`${indent}env: ${s.env}`]),
    ];
  });
  return lines.join("\n") + "\n";
}

/** Words into lines of at most `width` characters (a longer word gets a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  return [...lines, line];
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

/** The same declaration as a Markdown table, for docs/ (scripts/docs-options.ts writes it). */
export function optionsMarkdown(specs: readonly OptionSpec[]): string {
  const rows = specs.map((s) => {
    const variable = s.env === undefined ? "(flag only)" : `\`${s.env}\``;
    const dflt = s.default === undefined ? "—" : `\`${cell(s.default)}\``;
    // doc is Markdown already (its | escaped by its author); help is plain text
    return `| \`${cell(flagWithValue(s))}\` | ${variable} | ${dflt} | ${s.doc ?? cell(s.help)} |`;
  });
  return ["| option | variable | default | meaning |", "|---|---|---|---|", ...rows].join("\n") + "\n";
}
