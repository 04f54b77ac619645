import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { stampEveryLine } from "../../src/log/stamped-stderr.js";
import { logLabelFromMs } from "../../src/time/log-label.js";

/** a stream whose written text is collected, with stampEveryLine on it at a fixed clock */
function stamped(ms: number) {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (c: Buffer) => (text += c.toString()));
  const { raw } = stampEveryLine(stream, () => ms);
  return { stream, raw, text: () => text };
}

describe("stampEveryLine: every stderr line starts with a label (DESIGN.md §3 Logging)", () => {
  const ms = Date.parse("2026-12-02T07:00:00.250Z");
  const label = logLabelFromMs(ms);

  it("stamps each line of a multi-line write (a stack trace), and a line written in pieces once", () => {
    const s = stamped(ms);
    s.stream.write("chime: unexpected error: Error: boom\n    at a (x.js:1:1)\n    at b (x.js:2:2)\n");
    s.stream.write("chime: part");
    s.stream.write("ial line\n");
    expect(s.text().split("\n").filter(Boolean)).toEqual([
      `${label} chime: unexpected error: Error: boom`,
      `${label}     at a (x.js:1:1)`,
      `${label}     at b (x.js:2:2)`,
      `${label} chime: partial line`,
    ]);
  });

  it("leaves a line that already has a label (the logger's own) alone; raw() writes text as it is", () => {
    const s = stamped(ms);
    const logged = `${logLabelFromMs(ms - 1000)} info exec run start\n`;
    s.stream.write(logged);
    s.raw("usage: chime …\n");
    expect(s.text()).toBe(logged + "usage: chime …\n");
  });
});
