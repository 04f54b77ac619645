/**
 * The line of each key and array element of a JSON text that JSON.parse already accepted, by
 * path ("jobs[1].timeout", "jobs[1]"), so a config file error can say where to look. Only
 * strings and brackets matter here: JSON strings hold no raw newline, so every "\n" outside
 * them is a line break.
 */
interface Frame {
  readonly array: boolean;
  index: number;
  key: string | undefined;
  wantKey: boolean;
}

function pathOf(stack: readonly Frame[]): string {
  return stack
    .map((f) => (f.array ? `[${f.index}]` : `.${f.key ?? ""}`))
    .join("")
    .replace(/^\./, "");
}

export function jsonKeyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  const stack: Frame[] = [];
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n") line++;
    else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      const top = stack.at(-1);
      if (top && !top.array && top.wantKey) {
        top.key = JSON.parse(text.slice(i, j + 1)) as string;
        top.wantKey = false;
        lines.set(pathOf(stack), line);
      }
      i = j;
    } else if (c === "{" || c === "[") {
      if (stack.at(-1)?.array) lines.set(pathOf(stack), line);
      stack.push({ array: c === "[", index: 0, key: undefined, wantKey: c === "{" });
    } else if (c === "}" || c === "]") stack.pop();
    else if (c === ",") {
      const top = stack.at(-1);
      if (top?.array) top.index++;
      else if (top) top.wantKey = true;
    }
  }
  return lines;
}
