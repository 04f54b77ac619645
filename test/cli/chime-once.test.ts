import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isRoot, runChime, tempDir } from "./chime-spawn.js";

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir("chime-once-");
});
afterAll(async () => {
  await tmp.cleanup();
});

const STAMPED = /^@[0-9a-f]{24} /;

describe("chime JOB …: one run, exit code from its status (0 ok, 1 warning, 2 critical, 3 unknown)", () => {
  for (const [code, status] of [
    [0, "ok"],
    [1, "warning"],
    [2, "critical"],
    [3, "unknown"],
    [7, "critical"],
  ] as const) {
    it(`exec exiting ${code} → ${status}`, () => {
      const r = runChime(["exec", "--", "sh", "-c", `echo out-${code}; exit ${code}`], { cwd: tmp.dir });
      expect(r.status).toBe(code === 7 ? 2 : code);
      const lines = r.stdout.split("\n").filter(Boolean);
      for (const l of lines) expect(l).toMatch(STAMPED);
      expect(lines.some((l) => / info exec run start reason=once$/.test(l))).toBe(true);
      expect(lines.some((l) => l.endsWith(` info exec stdout=out-${code}`))).toBe(true);
      // exactly one summary line, with status and duration
      const summaries = lines.filter((l) => / exec run (ok|warning|critical|unknown): /.test(l));
      expect(summaries).toHaveLength(1);
      expect(summaries[0]).toMatch(new RegExp(`run ${status}: exit ${code}: out-${code} status=${status} duration_s=[0-9.]+`));
      expect(r.stderr).toBe("");
    });
  }

  it("a command that does not exist: unknown, exit 3", () => {
    const r = runChime(["exec", "--", "/nonexistent/cmd"], { cwd: tmp.dir });
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/run unknown: cannot run \/nonexistent\/cmd: ENOENT/);
  });

  it("--timeout aborts the run: critical, exit 2", () => {
    const r = runChime(["--timeout", "300ms", "--grace", "1s", "exec", "--", "sleep", "20"], { cwd: tmp.dir });
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/warn exec run timed out, stopping it timeout=300ms/);
    expect(r.stdout).toMatch(/run critical: stopped \(timeout after 300ms\) by SIGTERM/);
  });

  it("a --timeout longer than a Node timer can hold (30d) does not fire at once", () => {
    const r = runChime(["--timeout", "30d", "exec", "--", "sh", "-c", "sleep 0.3; echo finished"], { cwd: tmp.dir });
    expect(r.stdout).not.toMatch(/timed out/);
    expect(r.stdout).toMatch(/info exec run ok: exit 0: finished/);
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/TimeoutOverflowWarning/);
  });

  it("a state directory it cannot create: exit 111 naming it, and the job is not run with a substitute", async () => {
    const notADir = join(tmp.dir, "plain-file");
    await writeFile(notADir, "");
    const r = runChime(["--state-dir", notADir, "exec", "--", "/bin/sh", "-c", `echo ran > ${join(tmp.dir, "trace")}`], { cwd: tmp.dir });
    expect(r.status).toBe(111);
    expect(r.stderr).toMatch(
      new RegExp(`^@[0-9a-f]{24} chime: unable to create the job's state directory ${join(notADir, "exec")}: (ENOTDIR|EEXIST) `),
    );
    expect(r.stdout).not.toMatch(/run start/);
    expect(existsSync(join(tmp.dir, "trace"))).toBe(false);
  });

  it("as root: runs, with a warning line; --log-stamp none and --name apply", () => {
    const r = runChime(["--log-stamp", "none", "--name", "hello", "exec", "--", "echo", "hi"], { cwd: tmp.dir });
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n").filter(Boolean);
    if (isRoot) expect(lines[0]).toBe("warn hello running as root");
    else expect(r.stdout).not.toMatch(/running as root/);
    expect(lines).toContain("info hello stdout=hi");
  });

  it("--log-format json: one JSON object per line after the stamp", () => {
    const r = runChime(["--log-format", "json", "exec", "--", "echo", "hi"], { cwd: tmp.dir, env: { CHIME_LOG_STAMP: "none" } });
    expect(r.status).toBe(0);
    const recs = r.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { job: string; msg: string; status?: string; stdout?: string });
    expect(recs.find((x) => x.stdout === "hi")).toMatchObject({ job: "exec" });
    expect(recs.find((x) => x.status === "ok")?.msg).toBe("run ok: exit 0: hi");
  });
});
