import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { previousPlan } from "../../src/daemon/catch-up.js";
import { FileStateStore } from "../../src/daemon/run-state.js";
import { parseSchedule } from "../../src/schedule/schedule.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "chime-state-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("state files in --state-dir", () => {
  it("round-trips a record, written atomically (no temp file left behind)", async () => {
    const store = new FileStateStore(join(dir, "state"));
    const rec = { job: "exec", handledThroughMs: 1_795_614_000_000, lastStatus: "warning" as const, lastSummary: "exit 1", runs: 4 };
    await store.save("exec", rec);
    const warnings: string[] = [];
    expect(await store.load("exec", (m) => warnings.push(m))).toEqual(rec);
    expect(warnings).toEqual([]);
    expect(await readdir(join(dir, "state"))).toEqual(["exec.json"]);
    expect(JSON.parse(await readFile(join(dir, "state", "exec.json"), "utf8"))).toEqual(rec);
  });

  it("a group recorded (saveNow) while an earlier save is on its way is what stays on disk", async () => {
    // the run's end saved (async), then its alert command started and was recorded at once:
    // the older save landing last would hide the group from the chime after a kill -9
    const store = new FileStateStore(join(dir, "state"));
    const rec: { job: string; runs: number; groups?: { pgid: number; spawnedMs: number }[] } = { job: "exec", runs: 1 };
    const older = store.save("exec", rec);
    rec.groups = [{ pgid: 4242, spawnedMs: 1_795_614_000_000 }];
    store.saveNow("exec", rec);
    expect(JSON.parse(await readFile(join(dir, "state", "exec.json"), "utf8")).groups).toEqual(rec.groups);
    await older;
    expect(JSON.parse(await readFile(join(dir, "state", "exec.json"), "utf8")).groups).toEqual(rec.groups);
    expect(await readdir(join(dir, "state"))).toEqual(["exec.json"]);
    // a save asked for after it is newer, and lands
    delete rec.groups;
    await store.save("exec", rec);
    expect(JSON.parse(await readFile(join(dir, "state", "exec.json"), "utf8")).groups).toBeUndefined();
  });

  it("a record written before every time was in milliseconds reads as the same instants", async () => {
    // the seconds fields of the old shape (fixtures/README.md), each now in milliseconds
    await copyFile(join(import.meta.dirname, "fixtures", "nightly-seconds-record.json"), join(dir, "nightly.json"));
    const rec = await new FileStateStore(dir).load("nightly", () => {});
    expect(rec).toEqual({
      job: "nightly",
      schedule: ",S/1",
      pid: 25165,
      nextRunAtMs: 1_796_207_523_000,
      plannedSlotMs: 1_796_207_523_000,
      splayOffsetMs: 0,
      handledThroughMs: 1_796_207_522_000,
      lastStartMs: 1_796_207_522_005,
      lastReason: "schedule",
      lastEndMs: 1_796_207_522_034,
      lastStatus: "warning",
      lastSummary: "exit 1",
      runs: 15,
      lastAttempts: 1,
    });
    // the plan the stopped service had: slots after 10:32:02 were not yet handled
    expect(previousPlan(rec, { schedule: parseSchedule(",S/1"), offsetMs: 0 })).toMatchObject({
      from: 1_796_207_522,
      offsetMs: 0,
      changed: false,
    });
  });

  it("a missing file is simply empty state, silently", async () => {
    const warnings: string[] = [];
    expect(await new FileStateStore(dir).load("x", (m) => warnings.push(m))).toEqual({ job: "x" });
    expect(warnings).toEqual([]);
  });

  it("a corrupt file is reported and treated as empty, never a crash", async () => {
    for (const garbage of ["{not json", "[1,2]", "null", '"x"', ""]) {
      await writeFile(join(dir, "j.json"), garbage);
      const warnings: Array<[string, Record<string, string>]> = [];
      expect(await new FileStateStore(dir).load("j", (m, f) => warnings.push([m, f]))).toEqual({ job: "j" });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]![0]).toMatch(/state file is corrupt, starting with empty state/);
      expect(warnings[0]![1]["file"]).toBe(join(dir, "j.json"));
    }
  });

  it("fields of the wrong type are dropped, the rest kept", async () => {
    await writeFile(
      join(dir, "j.json"),
      JSON.stringify({ handledThroughMs: "soon", nextRunAt: "later", runs: 3, lastStatus: "great", lastSummary: "ok" }),
    );
    expect(await new FileStateStore(dir).load("j", () => {})).toEqual({ job: "j", runs: 3, lastSummary: "ok" });
  });

  it("an unreadable file is reported with the error code and treated as empty", async () => {
    // a directory where the file should be: EISDIR, whatever user runs the test
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(dir, "d.json"));
    const warnings: Array<Record<string, string>> = [];
    expect(await new FileStateStore(dir).load("d", (_m, f) => warnings.push(f))).toEqual({ job: "d" });
    expect(warnings[0]).toMatchObject({ error: "directory" });
  });

  it("a FIFO in place of the record is refused at once, never read (a read would block for ever)", async () => {
    const { execFileSync } = await import("node:child_process");
    execFileSync("mkfifo", [join(dir, "f.json")]);
    const warnings: Array<[string, Record<string, string>]> = [];
    // no writer ever opens the FIFO: a blocking read would never return and the test time out
    expect(await new FileStateStore(dir).load("f", (m, f) => warnings.push([m, f]))).toEqual({ job: "f" });
    expect(warnings).toEqual([
      ["state file is not a regular file, starting with empty state", { file: join(dir, "f.json"), error: "fifo" }],
    ]);
  });

  it("a symlink in place of the record is not followed", async () => {
    const { symlink } = await import("node:fs/promises");
    await writeFile(join(dir, "elsewhere.json"), JSON.stringify({ runs: 7 }));
    await symlink(join(dir, "elsewhere.json"), join(dir, "s.json"));
    const warnings: Array<Record<string, string>> = [];
    expect(await new FileStateStore(dir).load("s", (_m, f) => warnings.push(f))).toEqual({ job: "s" });
    expect(warnings[0]).toMatchObject({ error: "ELOOP" });
  });
});

describe("the process groups a running run owns", () => {
  it("are kept across a save and a load; a group id that would signal everything (≤ 1) or garbage is dropped", async () => {
    const store = new FileStateStore(join(dir, "state"));
    const good = { pgid: 4242, spawnedMs: 1_795_614_000_123, started: "Wed Dec  2 07:09:10 2026" };
    store.saveNow("exec", { job: "exec", groups: [good, { pgid: 5, spawnedMs: 1 }] });
    expect((await store.load("exec", () => {})).groups).toEqual([good, { pgid: 5, spawnedMs: 1 }]);
    // kill(-1) is every process we may signal, kill(-0) our own group: never from a file
    const bad = {
      job: "exec",
      groups: [
        { pgid: 1, spawnedMs: 1 },
        { pgid: 0, spawnedMs: 1 },
        { pgid: -7, spawnedMs: 1 },
        { pgid: "9", spawnedMs: 1 },
        { pgid: 9 },
        null,
        good,
      ],
    };
    await writeFile(store.path("exec"), JSON.stringify(bad));
    expect((await store.load("exec", () => {})).groups).toEqual([good]);
  });

  it("saves land in the order they were asked for, each with the record as it was then", async () => {
    const store = new FileStateStore(join(dir, "state"));
    const rec: { job: string; runs?: number } = { job: "exec" };
    const saves: Array<Promise<void>> = [];
    for (let i = 1; i <= 20; i++) {
      rec.runs = i;
      saves.push(store.save("exec", rec));
    }
    await Promise.all(saves);
    expect((await store.load("exec", () => {})).runs).toBe(20);
    expect((await readdir(join(dir, "state"))).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });
});
