import { execFileSync } from "node:child_process";
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { fillTemplate, shellQuote, shellWords } from "../../src/cli/run-script-template.js";

/** What /bin/sh makes of a line of words: the oracle is the shell that reads run scripts. */
function shWords(line: string): string[] {
  const out = execFileSync("sh", ["-c", `set -- ${line}; printf '%s\\0' "$@"`], { encoding: "utf8" });
  return out.split("\0").slice(0, -1);
}

describe("shell quoting of values put into run scripts", () => {
  it("keeps plain paths readable", () => {
    expect(shellQuote("/usr/local/bin/node")).toBe("/usr/local/bin/node");
    expect(shellQuote(",M=0")).toBe(",M=0");
  });

  // One sh process per batch of 40 random argument lists keeps this fast.
  test.prop(
    [
      fc.array(
        fc.array(
          fc.string({ unit: "grapheme-ascii" }).filter((s) => !s.includes("\0")),
          { minLength: 1, maxLength: 6 },
        ),
        { minLength: 40, maxLength: 40 },
      ),
    ],
    { numRuns: 5 },
  )("/bin/sh reads every quoted argument list back word for word", (lists) => {
    const script = lists.map((words) => `set -- ${shellWords(words)}; printf '%s\\0' "$@"; printf '\\1'`).join("\n");
    const out = execFileSync("sh", ["-c", script], { encoding: "utf8" });
    const got = out
      .split("\x01")
      .slice(0, -1)
      .map((chunk) => chunk.split("\0").slice(0, -1));
    expect(got).toEqual(lists);
  });

  it("handles quotes, spaces, $, backquotes, globs and newlines", () => {
    const nasty = ["it's", "a b", "$HOME", "`id`", "*", "x\ny", "", "-n", "a'b'c"];
    expect(shWords(shellWords(nasty))).toEqual(nasty);
  });
});

describe("filling run-script templates", () => {
  it("replaces every field and an empty one takes its following space", () => {
    expect(fillTemplate("exec {{SETUIDGID}} multilog ./main\n", { SETUIDGID: "" })).toBe("exec multilog ./main\n");
    expect(fillTemplate("exec {{SETUIDGID}} multilog ./main\n", { SETUIDGID: "setuidgid log" })).toBe(
      "exec setuidgid log multilog ./main\n",
    );
  });

  it("refuses a template field it was not given a value for", () => {
    expect(() => fillTemplate("exec {{NODE}} x", {})).toThrow("{{NODE}}");
  });
});
