/**
 * What a service refuses at start, through the real dist/bin/chime.cjs (issue 9 §2, §3, §5;
 * issue 8 §7, §8): each refusal is one stamped `chime: …` line, a fixed exit code, and the
 * job never runs (it would create a file; the file must not exist).
 */
import { execFileSync } from "node:child_process";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChimeProcess, isRoot, runChime, tempDir } from "./chime-spawn.js";
import { unstamped } from "./stamped-lines.js";

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir("chime-start-");
  await chmod(tmp.dir, 0o755);
});
afterAll(async () => {
  await tmp.cleanup();
});

/** a job that leaves a trace if it ever runs */
const touching = (name: string) => ["exec", "--", "/bin/sh", "-c", `echo ran >> ${join(tmp.dir, name)}`];

function refusal(args: string[], env: Record<string, string> = {}) {
  const before = Date.now();
  const r = runChime(args, { env, cwd: tmp.dir });
  const lines = unstamped(r.stderr, before, Date.now());
  return { status: r.status, stdout: r.stdout, lines };
}

describe("--service: a run script's word that it is a service (issue 9 §2)", () => {
  it("with CHIME_WHEN empty (an empty env/CHIME_WHEN file): exit 100, one stamped line, nothing run", () => {
    const r = refusal(["--service", "--allow-root", "--state-dir", join(tmp.dir, "s1"), ...touching("ran-empty")], { CHIME_WHEN: "" });
    expect(r.status).toBe(100);
    expect(r.stdout).toBe("");
    expect(r.lines).toEqual([
      "chime: --service but no schedule: CHIME_WHEN (environment) is empty (envdir unsets the variable of an empty env/CHIME_WHEN file) and neither --when nor --config is given; nothing was run",
    ]);
    expect(existsSync(join(tmp.dir, "ran-empty"))).toBe(false);
  });

  it("with CHIME_WHEN missing (what envdir does with an empty file): the same refusal, says 'not set'", () => {
    const r = refusal(["--service", "--allow-root", "--state-dir", join(tmp.dir, "s1"), ...touching("ran-missing")]);
    expect(r.status).toBe(100);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/^chime: --service but no schedule: CHIME_WHEN \(environment\) is not set /);
    expect(existsSync(join(tmp.dir, "ran-missing"))).toBe(false);
  });

  it("--service with CHIME_WHEN set is an ordinary service (it plans its next run)", async () => {
    const p = new ChimeProcess(["--service", "--allow-root", "--state-dir", join(tmp.dir, "s2"), "exec", "--", "true"], {
      env: { CHIME_WHEN: ",M=0" },
      cwd: tmp.dir,
    });
    try {
      await p.waitFor(/ info exec next run: exec -- true at=\S+:00:00Z /);
      p.signal("SIGTERM");
      expect((await p.exited).code).toBe(0);
    } finally {
      await p.kill();
    }
  });
});

describe.runIf(isRoot)("--user root is not consent to run jobs as root (issue 8 §7)", () => {
  for (const user of ["root", "0"]) {
    it(`--user ${user} without --allow-root: exit 100, stamped, nothing run`, () => {
      const r = refusal(["--user", user, "--state-dir", join(tmp.dir, "s3"), "--when", ",S/1", ...touching(`ran-user-${user}`)]);
      expect(r.status).toBe(100);
      expect(r.lines).toEqual([
        `chime: refusing to run jobs as root as a service: user ${user} from --user is root, and --user is not consent; use an unprivileged user or add --allow-root (CHIME_ALLOW_ROOT)`,
      ]);
      expect(existsSync(join(tmp.dir, `ran-user-${user}`))).toBe(false);
    });
  }

  it("CHIME_USER=root from the environment: refused the same way", () => {
    const r = refusal(["--state-dir", join(tmp.dir, "s3"), "--when", ",S/1", ...touching("ran-env-root")], { CHIME_USER: "root" });
    expect(r.status).toBe(100);
    expect(r.lines[0]).toMatch(/user root from CHIME_USER \(environment\) is root, and --user is not consent/);
  });

  it("--user root --allow-root runs, and says at start that jobs run as root", async () => {
    const p = new ChimeProcess(
      ["--user", "root", "--allow-root", "--state-dir", join(tmp.dir, "s4"), "--when", ",M=0", "exec", "--", "true"],
      { cwd: tmp.dir },
    );
    try {
      expect(await p.waitFor(/ warn chime running jobs as root /)).toMatch(/allow_root=/);
      p.signal("SIGTERM");
      expect((await p.exited).code).toBe(0);
    } finally {
      await p.kill();
    }
  });
});

describe("the state directory is checked before anything else (issue 9 §5)", () => {
  it("a state directory whose parent does not exist: exit 111, one stamped line naming it and ENOENT, nothing run", () => {
    const state = join(tmp.dir, "no", "such", "state");
    const r = refusal(["--allow-root", "--state-dir", state, "--when", ",S/1", ...touching("ran-nodir")]);
    expect(r.status).toBe(111);
    expect(r.lines).toEqual([`chime: unable to create the state directory ${state}: ENOENT (--state-dir ${state} from --state-dir)`]);
    expect(existsSync(join(tmp.dir, "ran-nodir"))).toBe(false);
  });

  it.runIf(isRoot)("a state directory the service user cannot write: exit 111, names it and EACCES", async () => {
    const state = join(tmp.dir, "root-only");
    await mkdir(state, { mode: 0o700 });
    const r = refusal(["--user", "nobody", "--state-dir", state, "--when", ",S/1", ...touching("ran-eacces")]);
    expect(r.status).toBe(111);
    expect(r.lines).toEqual([
      `chime: unable to create, write, fsync and rename a file in the state directory ${state}: EACCES (--state-dir ${state} from --state-dir)`,
    ]);
    expect(existsSync(join(tmp.dir, "ran-eacces"))).toBe(false);
  });

  it("a job run once never runs without its state directory: exit 111, names it", async () => {
    // a regular file where a directory of the path should be: no user can create it
    await writeFile(join(tmp.dir, "a-file"), "");
    const state = join(tmp.dir, "a-file", "state");
    const r = refusal(["--state-dir", state, ...touching("ran-once")]);
    expect(r.status).toBe(111);
    expect(r.lines).toEqual([
      `chime: unable to create the job's state directory ${join(state, "exec")}: ENOTDIR (--state-dir from --state-dir); nothing was run`,
    ]);
    expect(existsSync(join(tmp.dir, "ran-once"))).toBe(false);
  });
});

describe("a state file that is a FIFO (issue 8 §8)", () => {
  it("the service refuses it at start (111, naming it) instead of blocking for ever; status names it and returns", async () => {
    const state = join(tmp.dir, "fifo-state");
    await mkdir(state);
    execFileSync("mkfifo", [join(state, "exec.json")]);
    const r = refusal(["--allow-root", "--state-dir", state, "--when", ",S/1", ...touching("ran-fifo")]);
    expect(r.status).toBe(111);
    expect(r.lines).toEqual([
      `chime: unable to use the state file ${join(state, "exec.json")}: it is a fifo, not a regular file (--state-dir ${state} from --state-dir)`,
    ]);
    expect(existsSync(join(tmp.dir, "ran-fifo"))).toBe(false);
    // no writer ever opens the FIFO: a blocking read would hang until runChime's 15 s timeout
    const st = runChime(["status", "--state-dir", state]);
    expect(st.signal).toBeNull();
    expect(st.stdout.split("\n")[0]).toBe(
      `exec: state file is not a regular file, starting with empty state (${join(state, "exec.json")}: fifo)`,
    );
  });

  it("a config file that is a FIFO is refused (100), not read", async () => {
    const fifo = join(tmp.dir, "jobs.fifo");
    execFileSync("mkfifo", [fifo]);
    const r = refusal(["--allow-root", "--state-dir", join(tmp.dir, "s5"), "--config", fifo]);
    expect(r.status).toBe(100);
    expect(r.lines).toEqual([`chime: unable to read config file ${fifo}: it is a fifo, not a regular file`]);
  });
});

describe("chime status --state-dir with no value (issue 9 §9)", () => {
  it("says the option needs a value, exit 100", () => {
    const r = runChime(["status", "--state-dir"]);
    expect(r.status).toBe(100);
    expect(r.stderr).toMatch(/^chime: status: --state-dir: needs a value \(see chime status --help\)$/m);
    expect(r.stderr).not.toMatch(/unexpected argument/);
  });
});
