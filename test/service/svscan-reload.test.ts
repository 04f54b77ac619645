/**
 * `svc -h` under a real svscan: a service made by `chime install-service --config FILE`
 * reloads its file without a restart; a broken file is reported and the running jobs go on.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SvscanRig, underSvscan, installationForEveryone, nobody, svc, svstat, tearDown, waitFor } from "./svscan-rig.js";

let base: string;
let rig: SvscanRig;
let multi: string;
const seenPids = new Set<number>();

/** Each job appends a line to its own file: the proof that it ran. */
const job = (name: string) => ({
  name,
  job: "exec",
  args: ["--", "/bin/sh", "-c", `echo "$$" >> ${join(base, `ran-${name}`)}`],
  when: ",S/2",
});

function writeConfig(text: string): void {
  // Written aside and renamed, as an editor or config management would.
  writeFileSync(join(base, "jobs.json.tmp"), text);
  renameSync(join(base, "jobs.json.tmp"), join(base, "jobs.json"));
}

const runsOf = (name: string): number => {
  const f = join(base, `ran-${name}`);
  return existsSync(f) ? readFileSync(f, "utf8").split("\n").filter(Boolean).length : 0;
};

function upPid(): number | null {
  const pid = svstat(multi).pid;
  if (pid !== null) seenPids.add(pid);
  return pid;
}

const log = (): string => readFileSync(join(multi, "log", "main", "current"), "utf8");

underSvscan.describe("svc -h reloads a --config service under a real svscan", () => {
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "chime-svscan-reload-"));
    chmodSync(base, 0o755);
    mkdirSync(join(base, "sv"));
    const { chime, node } = installationForEveryone(base, nobody);
    writeConfig(JSON.stringify({ jobs: [job("first")] }));
    const r = spawnSync(
      node,
      [chime, "install-service", "multi", "--dir", join(base, "sv"), "--user", "root", "--config", join(base, "jobs.json")],
      {
        encoding: "utf8",
      },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    multi = join(base, "sv", "multi");
    rig = new SvscanRig(join(base, "sv"), join(base, "svscan.out"));
    rig.start({ PATH: "/usr/local/bin:/usr/bin:/bin" });
    await rig.watch("multi");
  });

  afterAll(async () => {
    const { left, alive } = await tearDown(rig, seenPids, base);
    expect(left).toEqual([]);
    expect(alive).toEqual([]);
  });

  it("a job added to the file runs after svc -h, in the same process", async () => {
    await waitFor("a run of the first job", 8000, () => runsOf("first") >= 1);
    const pid = upPid();
    expect(pid).not.toBeNull();
    writeConfig(JSON.stringify({ jobs: [job("first"), job("second")] }));
    svc("-h", multi);
    await waitFor("a run of the added job", 4000, () => runsOf("second") >= 1);
    expect(upPid()).toBe(pid);
    expect(log()).toMatch(/ info chime configuration reloaded .*added=1/);
  });

  it("a broken file is reported, and the running jobs go on in the same process", async () => {
    const pid = upPid();
    writeConfig('{"jobs": [ {"name": "first", "job": "exec", "when": ",S/2", "tiemout": "5m"} ]}');
    svc("-h", multi);
    await waitFor("the reload error in the log", 3000, () => /config not reloaded/.test(log()));
    // The message names the file and the mistake.
    const line = log()
      .split("\n")
      .find((l) => l.includes("config not reloaded"))!;
    expect(line).toContain(join(base, "jobs.json"));
    expect(line).toContain("tiemout");
    const [first, second] = [runsOf("first"), runsOf("second")];
    await waitFor("both jobs running on", 5000, () => runsOf("first") > first && runsOf("second") > second);
    expect(upPid()).toBe(pid);
  });
});
