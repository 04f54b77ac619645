/**
 * The ntp-check template as `chime install-service --job ntp-check` writes it, under a
 * real svscan, as nobody: it polls (here a loopback port where no server answers), logs
 * the verdict as stamped lines, and keeps running after a CRITICAL poll.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SvscanRig, underSvscan, installationForEveryone, nobody, svstat, tearDown, waitFor } from "./svscan-rig.js";

let base: string;
let rig: SvscanRig;
let ntp: string;
const seenPids = new Set<number>();

underSvscan.describe("the ntp-check service template under a real svscan", () => {
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "chime-svscan-ntp-"));
    chmodSync(base, 0o755);
    mkdirSync(join(base, "sv"));
    const { chime, node } = installationForEveryone(base, nobody);
    // Port 9 (discard) on loopback: nothing answers NTP there, so every poll is CRITICAL.
    const r = spawnSync(
      node,
      [
        chime,
        "install-service",
        "ntp",
        "--dir",
        join(base, "sv"),
        "--user",
        "nobody",
        "--job",
        "ntp-check",
        "--",
        "--samples",
        "1",
        "127.0.0.1:9",
      ],
      { encoding: "utf8" },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    ntp = join(base, "sv", "ntp");
    // Every 2 s, without the template's splay (up to a minute, which install-service refuses
    // with ,S/2 as chime would): an empty file unsets the variable, the envdir way.
    writeFileSync(join(ntp, "env", "CHIME_WHEN"), ",S/2\n");
    writeFileSync(join(ntp, "env", "CHIME_SPLAY"), "");
    rig = new SvscanRig(join(base, "sv"), join(base, "svscan.out"));
    rig.start({ PATH: "/usr/local/bin:/usr/bin:/bin" });
    await rig.watch("ntp");
  });

  afterAll(async () => {
    const { left, alive } = await tearDown(rig, seenPids, base);
    expect(left).toEqual([]);
    expect(alive).toEqual([]);
  });

  it("polls on schedule, logs the critical verdict with the peer table, and keeps running", async () => {
    const current = join(ntp, "log", "main", "current");
    const criticals = (): string[] =>
      existsSync(current)
        ? readFileSync(current, "utf8")
            .split("\n")
            .filter((l) => / error ntp-check "?run critical: NTP CRITICAL/.test(l))
        : [];
    const first = await waitFor("chime up", 10_000, () => svstat(ntp).pid ?? undefined);
    seenPids.add(first);
    await waitFor("two CRITICAL polls", 12_000, () => criticals().length >= 2);
    const text = readFileSync(current, "utf8");
    expect(text).toMatch(/ ntp-check 127\.0\.0\.1:9 .*unreachable/);
    expect(text).toContain(`uid=${nobody.uid}`);
    // Every line is stamped: tai64nlocal converts them all.
    const r = spawnSync("tai64nlocal", [], { input: text, encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(
      r.stdout
        .split("\n")
        .filter(Boolean)
        .every((l) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9} /.test(l)),
    ).toBe(true);
    // A CRITICAL verdict is a result, not a crash: the same process runs on.
    expect(svstat(ntp).pid).toBe(first);
  });
});
