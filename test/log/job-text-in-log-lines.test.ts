import { mkdir, writeFile } from "node:fs/promises";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLog } from "../../src/log/logger.js";
import { runBin } from "../cli/run-bin.js";
import { Capture } from "./capture.js";
import { parseLogLine } from "./log-line-parser.js";

/*
 * DESIGN.md §3 Logging: "A job's own output is visibly the job's (chime's key=value fields cannot
 * be forged from it), and every control character (C0, C1, bidi overrides) is escaped, in logs
 * and in `chime status`." Issue 8 §11 reproduced: a job printing chime's own summary line, a
 * failed job whose last line says status=ok, C1 controls and bidi overrides.
 */

// Every character the rule names: C0, DEL, C1 (U+0080–U+009F), U+2028/9, the bidi controls.
const HOSTILE = [
  ..."\u0000\u0001\u0007\u0008\u000b\u000c\u001b\u007f",
  ...Array.from({ length: 0x20 }, (_, k) => String.fromCharCode(0x80 + k)),
  ..."\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
];
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const tmp = mkdtempSync(join(tmpdir(), "chime-jobtext-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const fieldsOf = (fields: Array<[string, string]>, key: string) => fields.filter(([k]) => k === key).map(([, v]) => v);

describe("a job's text cannot forge chime's lines or fields", () => {
  it("a command that prints chime's own summary line and fails with 'status=ok' last: one summary, status=critical", () => {
    const script = [
      "echo 'run ok: exit 0: all good status=ok duration_s=0.001'",
      "echo 'x status=ok' >&2",
      "echo 'last words status=ok duration_s=9'",
      "exit 2",
    ].join("; ");
    const r = runBin("chime", ["exec", "--", "sh", "-c", script], { CHIME_LOG_STAMP: "tai64n" });
    expect(r.status).toBe(2);
    const lines = r.stdout.split("\n").filter(Boolean).map(parseLogLine);
    for (const l of lines) expect(l.label).toMatch(/^@[0-9a-f]{24}$/);
    // the command's lines are fields of the job, with no message, and say exactly what it printed
    // (stdout and stderr are two pipes: their relative order is not defined)
    const outputs = lines.filter((l) => l.message === "");
    expect(outputs.map((l) => l.fields.map(([k, v]) => `${k}: ${v}`).join()).sort()).toEqual([
      "stderr: x status=ok",
      "stdout: last words status=ok duration_s=9",
      "stdout: run ok: exit 0: all good status=ok duration_s=0.001",
    ]);
    for (const l of outputs) expect(fieldsOf(l.fields, "status")).toEqual([]);
    // exactly one line is a summary, and its status field is the real one, once
    const summaries = lines.filter((l) => /^run (ok|warning|critical|unknown):/.test(l.message));
    expect(summaries).toHaveLength(1);
    expect(summaries[0]!.message).toBe("run critical: exit 2: last words status=ok duration_s=9");
    expect(fieldsOf(summaries[0]!.fields, "status")).toEqual(["critical"]);
    expect(fieldsOf(summaries[0]!.fields, "duration_s")).toHaveLength(1);
    // and outside quoted strings no line says status=ok
    expect(r.stdout.replace(/"(?:[^"\\]|\\.)*"/g, '""')).not.toMatch(/status=ok/);
  });

  it("C0, C1, U+2028/9 and bidi controls from a job are escaped in text and JSON lines, and read back intact", () => {
    const text = `a${HOSTILE.join("")}z`;
    for (const format of ["text", "json"] as const) {
      const out = new Capture();
      const log = createLog({ out, format });
      log.forJob("exec").info({ stdout: text });
      log.forJob("exec").warn({ status: "critical" }, `run critical: exit 1: ${text}`);
      expect(out.lines).toHaveLength(2);
      for (const line of out.lines) {
        expect(line).toMatch(/^@[0-9a-f]{24} /);
        expect(line).not.toMatch(RAW_CONTROL);
      }
      // U+009B is CSI, a one-byte terminal escape; U+202E reverses what follows
      expect(out.text).toContain("\\u009b");
      expect(out.text).toContain("\\u202e");
      if (format === "text") {
        const [o, s] = out.lines.map(parseLogLine);
        expect(fieldsOf(o!.fields, "stdout")).toEqual([text]);
        expect(s!.message).toBe(`run critical: exit 1: ${text}`);
      } else {
        const [o, s] = out.lines.map((l) => JSON.parse(l.slice(26)) as Record<string, unknown>);
        expect(o!["stdout"]).toBe(text);
        expect(s!["msg"]).toBe(`run critical: exit 1: ${text}`);
      }
    }
  });

  it("field names from job data cannot carry a space or '='; job tags stay one word", () => {
    const out = new Capture();
    const log = createLog({ out, stamp: "none" });
    log.forJob("evil job=1").info({ "a status=ok b": 1 }, "metrics");
    expect(out.lines[0]).toBe("info evil_job_1 metrics a_status_ok_b=1");
  });
});

describe("chime status escapes what jobs and files put in run records", () => {
  it("a summary with an OSC title escape, CSI (U+009B) and a bidi override prints escaped", async () => {
    const state = join(tmp, "state");
    await mkdir(state);
    const summary = "exit 1: \u001b]0;owned\u0007 \u009b2J \u202eevil\u2066 done";
    await writeFile(
      join(state, "exec.json"),
      JSON.stringify({
        job: "exec",
        lastStartMs: 1_700_000_000_000,
        lastEndMs: 1_700_000_001_000,
        lastStatus: "warning",
        lastSummary: summary,
      }),
    );
    const r = runBin("chime", ["status", "--state-dir", state], { TZ: "UTC" });
    expect(r.status).toBe(1); // the last run's warning, as chime check would say

    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(r.stdout).toContain("exit 1: \\u001b]0;owned\\u0007 \\u009b2J \\u202eevil\\u2066 done");
  });
});
