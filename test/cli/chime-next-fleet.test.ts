// `chime next --splay --job --host/--hosts`: the wake times a host of a fleet gets. Two
// independent reasons for the expected values: the splay's documented formula (docs/chime.md:
// sha256 of "HOST\0TAG", its first 6 bytes as a big-endian number, modulo the splay in ms),
// computed here with node:crypto; and the running service's own "next run" line on this host.
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ChimeProcess, isRoot, runChime, tempDir } from "./chime-spawn.js";

function documentedOffsetMs(host: string, tag: string, splayMs: number): number {
  return createHash("sha256").update(`${host}\0${tag}`).digest().readUIntBE(0, 6) % splayMs;
}

/** "2026-12-02T11:00:00+00:00" + ms, floored to whole seconds, in the same form (UTC) */
function plus(iso: string, ms: number): string {
  return new Date(Math.floor((Date.parse(iso) + ms) / 1000) * 1000).toISOString().replace(".000Z", "+00:00");
}

describe("chime next with a splay: the fleet preview", () => {
  it("one host: every slot moved by the host's and job's offset, which stays below the splay", () => {
    for (const host of ["backup-01.example.org", "ntp-7", "h"]) {
      const r = runChime([
        "next",
        ",M=0",
        "--from",
        "2026-12-02T10:30:00+0000",
        "--count",
        "3",
        "--splay",
        "10m",
        "--job",
        "git-backup",
        "--host",
        host,
      ]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const offset = documentedOffsetMs(host, "git-backup", 600_000);
      expect(offset).toBeLessThan(600_000);
      expect(r.stdout.trimEnd().split("\n")).toEqual(
        ["2026-12-02T11:00:00+00:00", "2026-12-02T12:00:00+00:00", "2026-12-02T13:00:00+00:00"].map((t) => plus(t, offset)),
      );
    }
  });

  it("a slot whose delayed run is still ahead of --from comes first, as the daemon keeps it", () => {
    const host = "backup-01.example.org";
    const offset = documentedOffsetMs(host, "git-backup", 600_000);
    // one second after the 11:00 slot: its delayed run (11:00 + offset) has not happened yet
    const r = runChime([
      "next",
      ",M=0",
      "--from",
      "2026-12-02T11:00:01+0000",
      "--count",
      "1",
      "--splay",
      "10m",
      "--job",
      "git-backup",
      "--host",
      host,
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(offset >= 1000 ? plus("2026-12-02T11:00:00+00:00", offset) : plus("2026-12-02T12:00:00+00:00", offset));
  });

  it("--hosts: first runs counted per minute, every host counted once, cells from first to last", async () => {
    const t = await tempDir("chime-fleet-");
    try {
      const hosts = Array.from({ length: 40 }, (_, i) => `web-${String(i).padStart(2, "0")}.example.net`);
      const file = join(t.dir, "hosts");
      writeFileSync(file, `# the web fleet\n${hosts.join("\n")}\n\n`);
      const r = runChime(["next", ",M=0", "--from", "2026-12-02T10:30:00+0000", "--splay", "10m", "--job", "ntp-check", "--hosts", file]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const want = new Map<string, number>();
      for (const h of hosts) {
        const minute = plus("2026-12-02T11:00:00+00:00", documentedOffsetMs(h, "ntp-check", 600_000)).slice(0, 16);
        want.set(minute, (want.get(minute) ?? 0) + 1);
      }
      const got = new Map<string, number>();
      for (const line of r.stdout.trimEnd().split("\n")) {
        const m = /^(\S+)\s+(\d+)( #+)?$/.exec(line);
        expect(m, line).not.toBeNull();
        expect((m![3] ?? "").trim().length).toBe(Number(m![2]));
        if (Number(m![2]) > 0) got.set(m![1]!.slice(0, 16), Number(m![2]));
      }
      expect(got).toEqual(want);
      expect([...got.values()].reduce((a, b) => a + b, 0)).toBe(40);
    } finally {
      await t.cleanup();
    }
  });

  it("bad use names what is wrong: exit 100", () => {
    const cases: [string[], RegExp][] = [
      [["--splay", "10m"], /--splay needs --job TAG/],
      [["--splay", "soon", "--job", "x"], /^chime: next: --splay: not a duration like 90s, 5m, 1h \(a bare number is seconds\): "soon"$/m],
      [["--splay", "0", "--job", "x"], /^chime: next: --splay: must be at least 1ms: "0"$/m],
      [["--job", "x"], /--job, --host and --hosts go with --splay/],
      [["--splay", "1m", "--job", "x", "--host", "a", "--hosts", "f"], /--host or --hosts, not both/],
    ];
    for (const [args, re] of cases) {
      const r = runChime(["next", ",M=0", ...args]);
      expect(r.status).toBe(100);
      expect(r.stderr).toMatch(re);
    }
    expect(runChime(["next", ",M=0", "--splay", "1m", "--job", "x", "--hosts", "/nonexistent/hosts"]).status).toBe(111);
  });
});

describe("chime next agrees with the service on this host", () => {
  const state = tempDir("chime-fleet-state-");
  afterAll(async () => (await state).cleanup());

  it("the service's 'next run' time is what chime next --splay --job prints for this host", async () => {
    const { dir } = await state;
    const args = [
      "--when",
      ",M=0",
      "--splay",
      "10m",
      "--name",
      "fleetjob",
      "--state-dir",
      dir,
      ...(isRoot ? ["--allow-root"] : []),
      "exec",
      "--",
      "true",
    ];
    const service = new ChimeProcess(args);
    try {
      const line = await service.waitFor(/ fleetjob next run: .* at=/, 60_000);
      const at = /at=(\S+)/.exec(line)![1]!;
      const preview = runChime(["next", ",M=0", "--count", "1", "--splay", "10m", "--job", "fleetjob"]);
      expect(preview.status).toBe(0);
      // the service logs UTC with "Z", chime next with "+00:00": the same instant
      expect(Date.parse(preview.stdout.trim())).toBe(Date.parse(at));
    } finally {
      await service.kill();
    }
  });
});
