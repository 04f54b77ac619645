import { mkdirSync, readdirSync, readFileSync, lstatSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { gitBackupFamilies, renderMetrics } from "../../src/jobs/git-backup/prom-metrics.js";
import { judgePoll } from "../../src/jobs/ntp-check/judge-peers.js";
import { prometheusText } from "../../src/jobs/ntp-check/prometheus-text.js";
import { renderPrometheusText, writePrometheusTextfile } from "../../src/jobs/prometheus-textfile.js";
import type { NtpSample } from "../../src/jobs/ntp-check/validate-reply.js";
import { tempDir } from "../git-backup/helpers/git-fixtures.js";
import { parsePromText } from "../git-backup/helpers/prom-text-parser.js";
import { runJob } from "../git-backup/helpers/run-job.js";

/* Issue 10 §6: one Prometheus text writer for every job, writing exclusively under a random
 * temporary name and renaming into place; metric names and labels as before. */

describe("the one Prometheus text writer", () => {
  test("HELP and TYPE before samples, label values escaped, families without samples left out", () => {
    const text = renderPrometheusText([
      {
        name: "chime_x_a",
        help: "A with \\ and\nnewline.",
        samples: [
          [{ l: 'q"\\\n' }, 1.5],
          [{}, Infinity],
        ],
      },
      { name: "chime_x_empty", help: "nothing", samples: [] },
    ]);
    expect(text).toBe(
      '# HELP chime_x_a A with \\\\ and\\nnewline.\n# TYPE chime_x_a gauge\nchime_x_a{l="q\\"\\\\\\n"} 1.5\nchime_x_a +Inf\n',
    );
    expect(
      parsePromText(text)
        .get("chime_x_a")
        ?.samples.map((s) => s.labels.l),
    ).toEqual(['q"\\\n', undefined]);
  });

  test("both jobs' files keep their metric names and labels (listed here from docs/git-backup.md and docs/ntp-check.md)", () => {
    const gb = parsePromText(
      renderMetrics(
        [{ repo: "a.git", status: "updated", refsUpdated: 1, refsSaved: 2, ms: 1, attempts: 1, notes: [] }],
        { "a.git": { lastSuccess: 1_700_000_000 } },
        1_700_000_001,
        1.25,
        false,
      ),
    );
    expect([...gb.keys()].sort()).toEqual(
      [
        "chime_git_backup_dir_usable",
        "chime_git_backup_last_run_timestamp_seconds",
        "chime_git_backup_last_success_timestamp_seconds",
        "chime_git_backup_listing_failed",
        "chime_git_backup_refs_saved",
        "chime_git_backup_repositories",
        "chime_git_backup_run_duration_seconds",
      ].sort(),
    );
    expect(gb.get("chime_git_backup_run_duration_seconds")?.samples[0]?.value).toBe(1.25);
    expect(gb.get("chime_git_backup_last_success_timestamp_seconds")?.samples[0]?.labels).toEqual({ repo: "a.git" });
    expect(gitBackupFamilies([], {}, 1, 0, true).find((f) => f.name === "chime_git_backup_listing_failed")?.samples).toEqual([[{}, 1]]);

    const s: NtpSample = {
      leap: 0,
      version: 4,
      stratum: 1,
      poll: 6,
      precision: -20,
      rootDelay: 0,
      rootDispersion: 0.001,
      rootDistance: 0.001,
      refId: "GPS",
      referenceAge: 30,
      offset: 0.001,
      delay: 0.001,
    };
    const j = judgePoll(
      [{ peer: { server: "a", address: "192.0.2.1", port: 123 }, samples: [s], best: s, jitter: 0, failures: [] }],
      [],
      { warn: 0.1, crit: 0.5, minPeers: 1, maxStratum: 7, unsyncPolls: 2 },
      new Map(),
    );
    const ntp = parsePromText(prometheusText(j, 1_800_000_000));
    expect(ntp.get("chime_ntp_peer_info")?.samples[0]?.labels).toEqual({ peer: "192.0.2.1", verdict: "valid", refid: "GPS" });
    for (const name of [
      "chime_ntp_status",
      "chime_ntp_last_poll_timestamp_seconds",
      "chime_ntp_valid_peers",
      "chime_ntp_mean_abs_offset_seconds",
      "chime_ntp_peer_offset_seconds",
    ]) {
      expect(ntp.has(name), name).toBe(true);
    }
  });

  test("the file is replaced by rename: no temporary file stays, a symlink planted at the target is replaced, not followed", async () => {
    const tmp = tempDir("chime-prom-");
    try {
      const outside = join(tmp.path, "outside.txt");
      writeFileSync(outside, "precious\n");
      const dir = join(tmp.path, "textfile");
      mkdirSync(dir);
      const target = join(dir, "job.prom");
      symlinkSync(outside, target);
      await writePrometheusTextfile(target, [{ name: "chime_t_x", help: "x", samples: [[{}, 1]] }]);
      expect(readFileSync(outside, "utf8")).toBe("precious\n");
      expect(lstatSync(target).isFile()).toBe(true);
      expect(readFileSync(target, "utf8")).toContain("chime_t_x 1\n");
      await writePrometheusTextfile(target, [{ name: "chime_t_x", help: "x", samples: [[{}, 2]] }]);
      expect(readdirSync(dir)).toEqual(["job.prom"]);
      expect(readFileSync(target, "utf8")).toContain("chime_t_x 2\n");
    } finally {
      tmp.remove();
    }
  });

  test("git-backup: an unwritable --prom-file makes an otherwise ok run a warning naming the file and errno (issue 9 §9)", async () => {
    const tmp = tempDir("chime-prom-gb-");
    try {
      const dir = join(tmp.path, "mirrors");
      mkdirSync(dir);
      const stateDir = join(tmp.path, "state");
      mkdirSync(stateDir);
      const prom = join(tmp.path, "no-such-dir", "gb.prom");
      const ok = await runJob([dir], { stateDir });
      expect(ok.result.status).toBe("ok");
      const r = await runJob([dir, "--prom-file", prom], { stateDir });
      expect(r.result.status).toBe("warning");
      expect(r.result.summary).toContain(`cannot write --prom-file ${prom}: ENOENT`);
    } finally {
      tmp.remove();
    }
  });
});

describe("one redactor", () => {
  test("src has exactly one redact module, in src/log", async () => {
    const { readdirSync: rd } = await import("node:fs");
    const found = (rd("src", { recursive: true }) as string[]).filter((f) => /(^|\/)redact[^/]*\.ts$/.test(f));
    expect(found).toEqual(["log/redact.ts"]);
  });

  test("it also removes secrets the caller knows, plain and as git's base64 Basic credential", async () => {
    const { redactText } = await import("../../src/log/redact.js");
    const token = "s3cr3t-token-value";
    const b64 = Buffer.from(`x-access-token:${token}`).toString("base64");
    const out = redactText(`fatal: unable to access 'https://example.test/': echo ${token}; header ${b64}`, [token]);
    expect(out).not.toContain(token);
    expect(out).not.toContain(b64);
    expect(out.match(/\[redacted\]/g)).toHaveLength(2);
    expect(redactText("abc def", ["abc"])).toBe("abc def"); // too short to be a secret worth blanking
  });
});
