/**
 * Issue 12 §1, §2, §5 (first bullet) in a config file: "atStart", "retry", "retryDelay" and a
 * per-job "zone" (TZ stays the default); each bad value named with its field and file.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ConfigError } from "../../src/daemon/build-job.js";
import { loadConfigFile } from "../../src/daemon/config-file.js";
import { advance, fakeDaemon, RecordingJob } from "./harness.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "chime-config-sched-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.useRealTimers();
});

async function load(doc: unknown, defaults = {}) {
  const path = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  await writeFile(path, JSON.stringify(doc));
  return loadConfigFile(path, {}, { splayMs: 0, ...defaults });
}

const base = { job: "exec", args: ["--", "true"], when: "30 2 * * *" };

describe("config file: atStart, retry, retryDelay, zone", () => {
  it("reads each field; the command-line defaults fill what a job leaves out", async () => {
    const jobs = await load(
      {
        jobs: [
          { ...base, name: "a", atStart: true, retry: 2, retryDelay: "1m", zone: "Europe/Berlin" },
          { ...base, name: "b" },
        ],
      },
      { atStart: false, retry: { retries: 1, delayMs: 5000 } },
    );
    expect(jobs[0]).toMatchObject({ atStart: true, retry: { retries: 2, delayMs: 60_000 }, zone: { name: "Europe/Berlin" } });
    expect(jobs[1]).toMatchObject({ retry: { retries: 1, delayMs: 5000 } });
    expect(jobs[1]!.atStart).toBeUndefined();
    expect(jobs[1]!.zone).toBeUndefined();
    // a change of any of them is a change of the job for a reload
    const again = await load({ jobs: [{ ...base, name: "a", atStart: true, retry: 2, retryDelay: "1m", zone: "Asia/Tokyo" }] });
    expect(again[0]!.fingerprint).not.toBe(jobs[0]!.fingerprint);
  });

  const mistakes: Array<[string, Record<string, unknown>, RegExp]> = [
    ["atStart not a boolean", { atStart: "yes" }, /config file .+ line 1 \(jobs\[0\]\.atStart\): expected true or false: "yes"$/],
    ["retry negative", { retry: -1 }, /config file .+ line 1 \(jobs\[0\]\.retry\): not a whole number: "-1"$/],
    ["retry above 100", { retry: 101 }, /\(jobs\[0\]\.retry\): must be from 0 to 100: "101"$/],
    ["retry a string", { retry: "3" }, /\(jobs\[0\]\.retry\): expected a whole number: "3"$/],
    ["retry a fraction", { retry: 1.5 }, /\(jobs\[0\]\.retry\): not a whole number: "1\.5"$/],
    ["retryDelay zero", { retryDelay: "0s" }, /\(jobs\[0\]\.retryDelay\): must be at least 1ms: "0s"$/],
    ["retryDelay not a duration", { retryDelay: "soon" }, /\(jobs\[0\]\.retryDelay\): not a duration .+: "soon"$/],
    ["zone unknown", { zone: "Mars/Olympus" }, /config file .+ line 1 \(jobs\[0\]\.zone\): unknown time zone .+: "Mars\/Olympus"$/],
    ["zone empty", { zone: "" }, /\(jobs\[0\]\.zone\): expected an IANA zone name like "Europe\/Berlin": ""$/],
  ];
  for (const [what, extra, message] of mistakes) {
    it(`refuses ${what}`, async () => {
      const p = load({ jobs: [{ ...base, ...extra }] });
      await expect(p).rejects.toThrow(ConfigError);
      await expect(p).rejects.toThrow(message);
    });
  }
});

describe("a job's \"zone\" is its local time, TZ (the daemon's zone) stays the default", () => {
  it("02:30 daily with zone Asia/Tokyo runs at 17:30 UTC; the job without a zone at 02:30 UTC", async () => {
    vi.useFakeTimers({ now: Date.parse("2026-06-01T00:00:00Z") });
    const [tokyo, plain] = await load({
      jobs: [
        { ...base, name: "tokyo", zone: "Asia/Tokyo" },
        { ...base, name: "plain" },
      ],
    });
    const tokyoJob = new RecordingJob();
    const plainJob = new RecordingJob();
    const { daemon, out } = fakeDaemon({ zone: "UTC" });
    daemon.start([
      { ...tokyo!, job: tokyoJob },
      { ...plain!, job: plainJob },
    ]);
    await advance(24 * 3_600_000, 60_000);
    await daemon.stop("TERM");
    // Tokyo is UTC+9 all year: 02:30 there is 17:30 UTC the day before
    expect(tokyoJob.runsAtMs).toEqual([Date.parse("2026-06-01T17:30:00Z")]);
    expect(plainJob.runsAtMs).toEqual([Date.parse("2026-06-01T02:30:00Z")]);
    // its log lines speak its own local time
    expect(out.text).toMatch(/tokyo run start reason=schedule slot=2026-06-02T02:30:00\+09:00/);
  });
});
