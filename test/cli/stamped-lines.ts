import { expect } from "vitest";
import { parseLogLabel } from "../support/parse-log-label.js";

/**
 * The lines of `text` with their labels taken off, after checking that every line has one
 * that reads back to a moment between `fromMs` and `toMs` (when given): the promise that
 * everything chime says on stderr as a service or a job is stamped (DESIGN.md §3 Logging).
 */
export function unstamped(text: string, fromMs?: number, toMs?: number): string[] {
  const lines = text.split("\n").filter(Boolean);
  return lines.map((line) => {
    const m = /^(@[0-9a-f]{24}) (.*)$/s.exec(line);
    expect(m, `unstamped line: ${JSON.stringify(line)}`).not.toBeNull();
    const t = parseLogLabel(m![1]!);
    expect(t, `invalid label: ${m![1]}`).not.toBeNull();
    const ms = t!.seconds * 1000 + t!.nanos / 1e6;
    if (fromMs !== undefined) expect(ms).toBeGreaterThanOrEqual(fromMs - 1);
    if (toMs !== undefined) expect(ms).toBeLessThanOrEqual(toMs + 1);
    return m![2]!;
  });
}
