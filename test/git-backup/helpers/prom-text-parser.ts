/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), written from the
 * format's documentation rather than from chime's writer: node_exporter's textfile collector
 * drops a whole file on the first error, so every rule it enforces is an error here too, plus a
 * few it leaves to the registry (duplicate series, families split up, samples before TYPE).
 */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  help: string | undefined;
  type: string | undefined;
  samples: PromSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

function unescapeHelp(text: string, line: number): string {
  return text.replace(/\\(.?)/g, (_m, c: string) => {
    if (c === "\\") return "\\";
    if (c === "n") return "\n";
    throw new Error(`line ${line}: bad escape \\${c} in HELP`);
  });
}

function parseValue(text: string, line: number): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new Error(`line ${line}: bad sample value ${JSON.stringify(text)}`);
  return Number(text);
}

/** Parses `{a="x",b="y"}` starting at `text[at] === "{"`; returns the labels and the index after `}`. */
function parseLabels(text: string, at: number, line: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = at + 1;
  for (;;) {
    if (text[i] === "}") return { labels, end: i + 1 };
    const eq = text.indexOf("=", i);
    if (eq < 0) throw new Error(`line ${line}: label without "="`);
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name) || name.startsWith("__")) throw new Error(`line ${line}: bad label name ${JSON.stringify(name)}`);
    if (name in labels) throw new Error(`line ${line}: label ${name} twice`);
    if (text[eq + 1] !== '"') throw new Error(`line ${line}: label value not quoted`);
    let value = "";
    let j = eq + 2;
    for (; ; j++) {
      const c = text[j];
      if (c === undefined) throw new Error(`line ${line}: unterminated label value`);
      if (c === '"') break;
      if (c === "\\") {
        const e = text[++j];
        if (e === "\\") value += "\\";
        else if (e === '"') value += '"';
        else if (e === "n") value += "\n";
        else throw new Error(`line ${line}: bad escape \\${e ?? ""} in label value`);
      } else value += c;
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ",") i++;
    else if (text[i] !== "}") throw new Error(`line ${line}: expected "," or "}" after a label`);
  }
}

export function parsePromText(text: string): Map<string, PromFamily> {
  if (text !== "" && !text.endsWith("\n")) throw new Error("the last line does not end with a newline");
  const families = new Map<string, PromFamily>();
  const closed = new Set<string>();
  let current: string | undefined;
  const seenSeries = new Set<string>();
  const family = (name: string): PromFamily => {
    if (current !== name) {
      if (current !== undefined) closed.add(current);
      if (closed.has(name)) throw new Error(`family ${name} is split into two parts`);
      current = name;
    }
    const known = families.get(name);
    if (known) return known;
    const f: PromFamily = { name, help: undefined, type: undefined, samples: [] };
    families.set(name, f);
    return f;
  };
  const lines = text.split("\n").slice(0, -1);
  lines.forEach((raw, idx) => {
    const line = idx + 1;
    if (raw.trim() === "") return;
    if (raw.startsWith("#")) {
      const m = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(raw);
      if (!m) return; // a plain comment
      const [, kind, name = "", rest = ""] = m;
      if (!METRIC_NAME.test(name)) throw new Error(`line ${line}: bad metric name ${JSON.stringify(name)}`);
      const f = family(name);
      if (kind === "HELP") {
        if (f.help !== undefined) throw new Error(`line ${line}: second HELP for ${name}`);
        f.help = unescapeHelp(rest, line);
      } else {
        if (f.type !== undefined) throw new Error(`line ${line}: second TYPE for ${name}`);
        if (f.samples.length > 0) throw new Error(`line ${line}: TYPE for ${name} after its samples`);
        if (!TYPES.has(rest.trim())) throw new Error(`line ${line}: bad type ${JSON.stringify(rest)}`);
        f.type = rest.trim();
      }
      return;
    }
    const nm = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(raw);
    if (!nm) throw new Error(`line ${line}: bad metric name in ${JSON.stringify(raw)}`);
    const name = nm[0];
    let at = name.length;
    let labels: Record<string, string> = {};
    if (raw[at] === "{") ({ labels, end: at } = parseLabels(raw, at, line));
    const rest = raw.slice(at);
    const vm = /^[ \t]+(\S+)(?:[ \t]+(-?\d+))?[ \t]*$/.exec(rest);
    if (!vm?.[1]) throw new Error(`line ${line}: bad sample ${JSON.stringify(raw)}`);
    const value = parseValue(vm[1], line);
    const f = family(name);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seenSeries.has(key)) throw new Error(`line ${line}: duplicate series ${key}`);
    seenSeries.add(key);
    f.samples.push({ name, labels, value });
  });
  return families;
}
