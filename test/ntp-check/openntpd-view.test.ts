import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseOpenntpdPeers, parseOpenntpdStatus } from "../../src/jobs/ntp-check/openntpd-status.js";
import { openntpdView, runTool } from "../../src/jobs/ntp-check/local-daemon-view.js";
import type { PollStats, Thresholds } from "../../src/jobs/ntp-check/judge-peers.js";

// OpenNTPD conflicts with chrony on Debian and cannot run in CI without namespaces and an
// adjtime shim, so its side is the recorded ntpctl output, served by a
// stand-in `ntpctl` executable that prints those files.
const FIX = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const fix = (name: string): Promise<string> => readFile(join(FIX, name), "utf8");
const t: Thresholds = { warn: 0.1, crit: 0.5, minPeers: 3, maxStratum: 7, unsyncPolls: 2 };
const ourStats = (median: number): PollStats => ({
  configured: 3,
  valid: 3,
  medianOffset: median,
  meanAbsOffset: Math.abs(median),
  maxAbsOffset: Math.abs(median),
  maxJitter: 0,
  maxStratum: 1,
  truechimers: 3,
});

let dir: string;
/** A stand-in ntpctl printing fixture files for `-s status` / `-s peers`, or failing like the real one. */
async function fakeNtpctl(name: string, status: string, peers: string, failWith?: string): Promise<string> {
  const path = join(dir, name);
  const body = failWith
    ? `process.stderr.write(${JSON.stringify(failWith)} + "\\n"); process.exit(1);`
    : `const fs = require("fs"); const m = process.argv[3]; process.stdout.write(fs.readFileSync(m === "status" ? ${JSON.stringify(status)} : ${JSON.stringify(peers)}, "utf8"));`;
  await writeFile(path, `#!${process.execPath}\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "chime-ntpctl-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("ntpctl parsing (ntpd.c show_status_msg / show_peer_msg formats)", () => {
  test("the incident's status and peers, as OpenNTPD 6.2p3 printed them", async () => {
    expect(parseOpenntpdStatus(await fix("openntpd-incident-status.txt"))).toEqual({
      validPeers: 3,
      totalPeers: 3,
      synced: true,
      stratum: 2,
      clockOffsetMs: null,
    });
    const peers = parseOpenntpdPeers(await fix("openntpd-incident-peers.txt"))!;
    expect(peers.map((p) => [p.address, p.selected, p.trustLevel, p.nextSeconds, p.offsetMs])).toEqual([
      ["127.0.0.21", false, 10, 21, -984.997],
      ["127.0.0.22", false, 10, 23, -984.997],
      ["127.0.0.23", true, 10, 2809, -123.119],
    ]);
  });

  test("pool peers, not-valid peers, sensors, constraints and an unsynced clock", async () => {
    expect(parseOpenntpdStatus(await fix("openntpd-pool-status.txt"))).toEqual({
      validPeers: 2,
      totalPeers: 4,
      synced: false,
      stratum: null,
      clockOffsetMs: 12.345,
    });
    const peers = parseOpenntpdPeers(await fix("openntpd-pool-peers.txt"))!;
    expect(peers.map((p) => [p.address, p.trustLevel, p.stratum, p.offsetMs])).toEqual([
      ["192.0.2.10", 10, 2, -0.412],
      ["2001:db8::7", 2, null, null],
      ["192.0.2.11", 9, 3, 1.25],
      ["203.0.113.5", 3, null, null],
    ]);
  });

  test("text that is not ntpctl output is refused, not guessed", () => {
    expect(parseOpenntpdStatus("ntpctl: connect: No such file or directory")).toBeNull();
    expect(parseOpenntpdPeers("garbage\nmore garbage")).toBeNull();
  });
});

describe("the local OpenNTPD's view against our own measurement", () => {
  test("the stuck signature: 'clock synced' while we measure −985 ms, and a valid peer in 3000 s back-off", async () => {
    const ntpctl = await fakeNtpctl("ntpctl-incident", join(FIX, "openntpd-incident-status.txt"), join(FIX, "openntpd-incident-peers.txt"));
    const v = await openntpdView([ntpctl], ourStats(-0.985), t);
    const texts = v.problems.map((p) => `${p.severity} ${p.text}`);
    expect(texts).toContain("critical openntpd says clock synced while our median offset is -985.0 ms");
    expect(texts).toContain(
      "critical openntpd peer 127.0.0.23 valid but next query in 2809s (poll 3225s: error back-off, it answered unsynchronised or KoD), clock not being corrected",
    );
    // ntpctl's own valid peers: (985 + 985 + 123) / 3 = 697.7 ms
    expect(texts).toContain("critical openntpd: mean abs offset of its valid peers 697.7 ms");
    expect(v.lines[0]).toBe("openntpd: 3/3 peers valid, clock synced, stratum 2");
  });

  test("the same back-off while our offset is fine is only a warning", async () => {
    const ntpctl = await fakeNtpctl("ntpctl-ok", join(FIX, "openntpd-incident-status.txt"), join(FIX, "openntpd-incident-peers.txt"));
    const v = await openntpdView([ntpctl], ourStats(0.001), t);
    expect(v.problems.filter((p) => p.text.includes("back-off")).map((p) => p.severity)).toEqual(["warning"]);
  });

  test("an unsynced daemon with too few valid peers", async () => {
    const ntpctl = await fakeNtpctl("ntpctl-pool", join(FIX, "openntpd-pool-status.txt"), join(FIX, "openntpd-pool-peers.txt"));
    const texts = (await openntpdView([ntpctl], ourStats(0), t)).problems.map((p) => p.text);
    expect(texts).toEqual(["openntpd: clock unsynced", "openntpd: only 2/4 peers valid"]);
  });

  test("a missing or failing ntpctl is UNKNOWN with the command's error", async () => {
    const missing = await openntpdView([join(dir, "no-such-ntpctl")], ourStats(0), t);
    expect(missing.problems).toEqual([{ severity: "unknown", text: `openntpd: ${join(dir, "no-such-ntpctl")} -s status: not found` }]);
    const failing = await fakeNtpctl("ntpctl-fail", "", "", "ntpctl: connect: /var/run/ntpd.sock: No such file or directory");
    const f = await openntpdView([failing], ourStats(0), t);
    expect(f.problems).toEqual([
      { severity: "unknown", text: `openntpd: ${failing} -s status: ntpctl: connect: /var/run/ntpd.sock: No such file or directory` },
    ]);
  });

  test("a tool that fails without a word on stderr: its exit status, on one line (the status line must stay one line)", async () => {
    const path = join(dir, "ntpctl-silent");
    await writeFile(path, `#!${process.execPath}\nprocess.exit(3);\n`);
    await chmod(path, 0o755);
    const v = await openntpdView([path], ourStats(0), t);
    expect(v.problems).toEqual([{ severity: "unknown", text: `openntpd: ${path} -s status: exit 3` }]);
  });

  test("a tool that hangs (a stuck daemon socket) is cut off and named as such", async () => {
    const path = join(dir, "ntpctl-hangs");
    await writeFile(path, `#!${process.execPath}\nsetTimeout(() => {}, 20000);\n`);
    await chmod(path, 0o755);
    const started = Date.now();
    await expect(runTool([path, "-s", "status"], undefined, 300)).rejects.toThrow(`${path} -s status: no answer within 0.3 s`);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
