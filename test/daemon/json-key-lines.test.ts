// Where each key of a config file is, counted the way an editor numbers lines (first line 1).
import { describe, expect, it } from "vitest";
import { jsonKeyLines } from "../../src/daemon/json-key-lines.js";

describe("jsonKeyLines", () => {
  it("keys and array elements, nested, by path", () => {
    const text = [
      '{ "jobs": [',
      '  { "job": "exec",',
      '    "args": ["--", "a,b\\"]{"],',
      '    "when": ",M=0" },',
      "  {",
      '    "timeout": "5m" }',
      "] }",
    ].join("\n");
    JSON.parse(text); // the locator is only ever given JSON that parses
    const lines = jsonKeyLines(text);
    expect(lines.get("jobs")).toBe(1);
    expect(lines.get("jobs[0]")).toBe(2);
    expect(lines.get("jobs[0].job")).toBe(2);
    expect(lines.get("jobs[0].args")).toBe(3);
    expect(lines.get("jobs[0].when")).toBe(4);
    expect(lines.get("jobs[1]")).toBe(5);
    expect(lines.get("jobs[1].timeout")).toBe(6);
    expect(lines.get("jobs[1].job")).toBeUndefined();
  });

  it("a one-line file is all line 1", () => {
    const lines = jsonKeyLines(JSON.stringify({ jobs: [{ job: "exec", when: ",M=0" }, { job: "exec" }] }));
    expect([...lines.values()].every((l) => l === 1)).toBe(true);
    expect(lines.get("jobs[1].job")).toBe(1);
  });
});
