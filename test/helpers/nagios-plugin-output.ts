/**
 * Plugin output read exactly as Nagios Core reads it (base/utils.c, parse_check_output):
 * - line 1: the text before the first `|` is the status text ("short output"); everything
 *   after that `|` up to the end of the line is perfdata (further `|` included);
 * - later lines are long output, until a line that contains a `|`: its text before the first
 *   `|` is the last long output line, the rest of it and every following line is perfdata
 *   (lines joined with a space);
 * - the status text and the perfdata are stripped of spaces, tabs, CR and LF at both ends.
 * Used by the tests to judge what a monitoring system would show, not what we meant to print.
 */
export interface NagiosReading {
  statusText: string;
  longOutput: string[];
  perfdata: string;
}

const strip = (s: string) => s.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "");

export function parseLikeNagiosCore(output: string): NagiosReading {
  const lines = output.replace(/\n$/, "").split("\n");
  const first = lines[0] ?? "";
  // strtok(buf, "|") skips leading delimiters; then the rest of the line is perfdata
  const lead = /^\|*/.exec(first)![0].length;
  const bar = first.indexOf("|", lead);
  const statusText = strip(bar === -1 ? first.slice(lead) : first.slice(lead, bar));
  const perf: string[] = bar === -1 ? [] : [first.slice(bar + 1)];
  const longOutput: string[] = [];
  let inPerf = false;
  for (const line of lines.slice(1)) {
    if (inPerf) perf.push(line);
    else if (line.includes("|")) {
      const i = line.indexOf("|");
      longOutput.push(line.slice(0, i));
      perf.push(line.slice(i + 1));
      inPerf = true;
    } else longOutput.push(line);
  }
  return { statusText, longOutput, perfdata: strip(perf.join(" ")) };
}

/** One perfdata item per the plugin guidelines: `'label'=value[UOM];[warn];[crit];[min];[max]`. */
export interface PerfItem {
  label: string;
  value: number | "U";
  uom: string;
  warn: string;
  crit: string;
  min: string;
  max: string;
}

const NUMBER = "-?(?:\\d+(?:\\.\\d*)?|\\.\\d+)";
const RANGE = new RegExp(`^@?(?:(?:~|${NUMBER}):)?(?:${NUMBER})?$`);
const ITEM = new RegExp(
  `^(?:'([^'=]+)'|([^'= ]+))=(${NUMBER}|U)(s|ms|us|%|B|KB|MB|TB|c)?(?:;([^;]*)(?:;([^;]*)(?:;([^;]*)(?:;([^;]*))?)?)?)?$`,
);

/**
 * Splits perfdata into items and checks each against the guidelines; throws naming the item
 * that is not well-formed (labels with spaces must be quoted, thresholds are ranges, min/max
 * numbers).
 */
export function parsePerfdata(perfdata: string): PerfItem[] {
  const items: PerfItem[] = [];
  // labels may be quoted and contain spaces; otherwise items are separated by spaces
  const tokens = perfdata.match(/(?:'[^']*'|[^ ])+/g) ?? [];
  for (const tok of tokens) {
    const m = ITEM.exec(tok);
    if (!m) throw new Error(`perfdata item not in the guideline syntax: ${tok}`);
    const [, quoted, bare, value, uom = "", warn = "", crit = "", min = "", max = ""] = m;
    for (const [what, r] of [
      ["warn", warn],
      ["crit", crit],
    ] as const) {
      if (!RANGE.test(r)) throw new Error(`perfdata ${what} is not a range: ${tok}`);
    }
    for (const [what, n] of [
      ["min", min],
      ["max", max],
    ] as const) {
      if (n !== "" && !new RegExp(`^${NUMBER}$`).test(n)) throw new Error(`perfdata ${what} is not a number: ${tok}`);
    }
    items.push({ label: (quoted ?? bare)!, value: value === "U" ? "U" : Number(value), uom, warn, crit, min, max });
  }
  return items;
}
