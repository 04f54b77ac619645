/**
 * Reads a chime text log line back the way a careful consumer would, from the grammar in
 * docs/logging.md: `@label level job [message] key=value…`, where a message or value that
 * starts with `"` is one JSON string, a bare message runs up to the first ` key=`, and a
 * bare value is one word.
 */
export interface ParsedLine {
  label: string | null;
  level: string;
  job: string;
  message: string;
  /** every field in order, repeated keys included */
  fields: Array<[string, string]>;
}

/** Reads a JSON string literal starting at `s[i]` (a `"`); returns its value and where it ends. */
function readJsonString(s: string, i: number): [string, number] {
  let j = i + 1;
  while (j < s.length && s[j] !== '"') j += s[j] === "\\" ? 2 : 1;
  if (j >= s.length) throw new Error(`unterminated string at ${i}: ${s}`);
  return [JSON.parse(s.slice(i, j + 1)) as string, j + 1];
}

const FIELD_START = /^ [\w.-]+=/;

export function parseLogLine(line: string): ParsedLine {
  let rest = line;
  let label: string | null = null;
  const m = /^(@[0-9a-f]{24}) /.exec(rest);
  if (m) {
    label = m[1]!;
    rest = rest.slice(m[0].length);
  }
  const head = /^(\S+) (\S+)/.exec(rest);
  if (!head) throw new Error(`no level and job: ${line}`);
  const [, level, job] = head;
  let i = head[0].length;
  let message = "";
  if (rest.startsWith(' "', i)) {
    [message, i] = readJsonString(rest, i + 1);
  } else if (!FIELD_START.test(rest.slice(i))) {
    const start = i + 1;
    let j = start;
    while (j < rest.length && !FIELD_START.test(rest.slice(j))) j++;
    message = rest.slice(start, j);
    i = j;
  }
  const fields: Array<[string, string]> = [];
  while (i < rest.length) {
    const f = /^ ([\w.-]+)=/.exec(rest.slice(i));
    if (!f) throw new Error(`not a field at ${i}: ${line}`);
    i += f[0].length;
    if (rest[i] === '"') {
      const [v, end] = readJsonString(rest, i);
      fields.push([f[1]!, v]);
      i = end;
    } else {
      const end = rest.indexOf(" ", i);
      const stop = end === -1 ? rest.length : end;
      fields.push([f[1]!, rest.slice(i, stop)]);
      i = stop;
    }
  }
  return { label, level: level!, job: job!, message, fields };
}
