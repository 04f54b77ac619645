import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/daemon/build-job.js";
import { loadConfigFile } from "../../src/daemon/config-file.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "chime-config-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(content: string) {
  const path = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  await writeFile(path, content);
  return { path, result: loadConfigFile(path, {}, { splayMs: 0 }) };
}

const ok = { name: "tick", job: "exec", args: ["--", "true"], when: ",M=0" };

describe("--config FILE: several jobs, validated at load", () => {
  it("loads jobs with their own schedule, timeout and splay", async () => {
    const { result } = await load(
      JSON.stringify({ jobs: [ok, { job: "exec", args: ["--", "date"], when: "*/5 * * * *", timeout: "30s", splay: 90 }] }),
    );
    const jobs = await result;
    expect(jobs.map((j) => [j.tag, j.schedule.text, j.timeoutMs, j.splayMs])).toEqual([
      ["tick", ",M=0", undefined, 0],
      ["exec", "*/5 * * * *", 30_000, 90_000],
    ]);
    expect(jobs[0]!.what).toBe("exec -- true");
  });

  // every kind of mistake, each with the field named and the file given
  const mistakes: Array<[string, string, RegExp]> = [
    ["not JSON", "{jobs: [", /config file .*: not valid JSON/],
    ["top level not an object", "[]", /top level must be an object with "jobs"/],
    ["unknown top-level field", JSON.stringify({ jobs: [ok], job: [] }), /unknown field "job" \(expected "jobs"\)/],
    ["no jobs", JSON.stringify({ jobs: [] }), /"jobs" must be a non-empty array/],
    ["jobs not an array", JSON.stringify({ jobs: ok }), /"jobs" must be a non-empty array/],
    ["entry not an object", JSON.stringify({ jobs: ["exec"] }), /line 1 \(jobs\[0\]\): must be an object: "exec"$/],
    [
      "typo in a field",
      JSON.stringify({ jobs: [{ ...ok, tiemout: "5m" }] }),
      /line 1 \(jobs\[0\]\.tiemout\): unknown field \(expected name, job, args, when, timeout, splay, atStart, retry, retryDelay, zone, onFailure, onRecovery, onFailureEvery, ping\)$/,
    ],
    ["missing job", JSON.stringify({ jobs: [{ when: ",M=0" }] }), /config file .+ line 1 \(jobs\[0\]\.job\): missing or not a job name$/],
    [
      "unknown job",
      JSON.stringify({ jobs: [{ ...ok, job: "backup" }] }),
      /line 1 \(jobs\[0\]\.job\): unknown job \(jobs: git-backup, ntp-check, exec, dns-blocklist, asn-db\): "backup"$/,
    ],
    [
      "missing when",
      JSON.stringify({ jobs: [{ job: "exec", args: ["--", "true"] }] }),
      /line 1 \(jobs\[0\]\.when\): missing or not a string$/,
    ],
    ["bad schedule", JSON.stringify({ jobs: [{ ...ok, when: ",H=24" }] }), /line 1 \(jobs\[0\]\.when\): .+: ",H=24"$/],
    [
      "bad cron",
      JSON.stringify({ jobs: [ok, { ...ok, name: "b", when: "61 * * * *" }] }),
      /line 1 \(jobs\[1\]\.when\): .+: "61 \* \* \* \*"$/,
    ],
    [
      "args not strings",
      JSON.stringify({ jobs: [{ ...ok, args: ["--", 5] }] }),
      /line 1 \(jobs\[0\]\.args\): must be an array of strings$/,
    ],
    [
      "job's own argument error",
      JSON.stringify({ jobs: [{ ...ok, args: [] }] }),
      /^exec: missing COMMAND .*\(config file .+ line 1 \(jobs\[0\]\.args\)\)$/,
    ],
    [
      "bad timeout",
      JSON.stringify({ jobs: [{ ...ok, timeout: "soon" }] }),
      /line 1 \(jobs\[0\]\.timeout\): not a duration like 90s, 5m, 1h \(a bare number is seconds\): "soon"$/,
    ],
    ["negative splay", JSON.stringify({ jobs: [{ ...ok, splay: -5 }] }), /line 1 \(jobs\[0\]\.splay\): not a duration .+: "-5"$/],
    // 1e400 parses to Infinity: not "no limit", and no timer can hold it
    [
      "timeout beyond any duration",
      `{"jobs":[{"job":"exec","args":["--","true"],"when":",M=0","timeout":1e400}]}`,
      /line 1 \(jobs\[0\]\.timeout\): not a duration .+: "Infinity"$/,
    ],
    ["duplicate names", JSON.stringify({ jobs: [ok, ok] }), /line 1 \(jobs\[1\]\.name\): a second job of this name: .+: "tick"$/],
    ["name not a string", JSON.stringify({ jobs: [{ ...ok, name: 7 }] }), /line 1 \(jobs\[0\]\.name\): must be a string: 7$/],
    ["unsafe name", JSON.stringify({ jobs: [{ ...ok, name: "../etc" }] }), /line 1 \(jobs\[0\]\.name\): .+: "\.\.\/etc"$/],
  ];
  for (const [what, content, message] of mistakes) {
    it(`rejects: ${what}`, async () => {
      const { path, result } = await load(content);
      const err = await result.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).toContain(path);
    });
  }

  it("names the line of the field in a file written by hand", async () => {
    const text = [
      "{",
      '  "jobs": [',
      '    { "job": "exec", "args": ["--", "true"], "when": ",M=0" },',
      '    { "name": "b", "job": "exec", "args": ["--", "true"], "when": ",M=0",',
      '      "timeout": "soon" }',
      "  ]",
      "}",
    ].join("\n");
    const { path, result } = await load(text);
    await expect(result).rejects.toThrow(
      `config file ${path} line 5 (jobs[1].timeout): not a duration like 90s, 5m, 1h (a bare number is seconds): "soon"`,
    );
  });

  it("rejects a file it cannot read, naming it and the error", async () => {
    const missing = join(dir, "nope.json");
    await expect(loadConfigFile(missing, {}, { splayMs: 0 })).rejects.toThrow(`unable to read config file ${missing}: ENOENT`);
  });
});
