import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Fatal } from "../../src/cli/die.js";
import { runInstallService } from "../../src/cli/install-service.js";
import { jobLoaders } from "../../src/jobs/registry.js";
import { requires } from "../support/requires.js";

// Runs as root in CI (and here); the ownership checks need it, and `nobody` exists on
// every Debian and FreeBSD system. The independent oracle for uids is id(1).
const isRoot = process.getuid?.() === 0;
const asRoot = requires("root");
const nobodyUid = Number(execFileSync("id", ["-u", "nobody"], { encoding: "utf8" }).trim());
// A user the installer may install for: anyone as root, only yourself otherwise.
const someUser = isRoot ? "nobody" : userInfo().username;

let base: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), "chime-install-"));
});
afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

async function install(args: readonly string[]): Promise<string[]> {
  const lines: string[] = [];
  const code = await runInstallService(args, process.env, (l) => lines.push(l));
  expect(code).toBe(0);
  return lines;
}

async function failure(args: readonly string[]): Promise<Fatal> {
  const err = await runInstallService(args, process.env, () => {}).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Fatal);
  return err as Fatal;
}

const mode = (p: string): number => statSync(p).mode & 0o7777;

/** The words of the script's last `exec` line, as /bin/sh itself splits them. */
function execWords(script: string): string[] {
  const line =
    script
      .split("\n")
      .filter((l) => l.startsWith("exec ") && l !== "exec 2>&1")
      .at(-1) ?? "";
  const out = execFileSync("sh", ["-c", `set -- ${line.slice("exec ".length)}; printf '%s\\0' "$@"`], { encoding: "utf8" });
  return out.split("\0").slice(0, -1);
}

describe("chime install-service writes a ready daemontools service directory", () => {
  asRoot.it("lays out run, env/, state/, log/run and log/main with the modes and owners supervise needs", async () => {
    const lines = await install([
      "backup",
      "--dir",
      base,
      "--user",
      "nobody",
      "--job",
      "exec",
      "--when",
      ",S/3",
      "--",
      "/bin/echo",
      "it's a test",
      "$HOME",
    ]);
    const svc = join(base, "backup");
    expect(lines.join("\n")).toContain(svc);
    expect(readdirSync(base)).toEqual(["backup"]); // no staging directory left behind
    expect(readdirSync(svc).sort()).toEqual(["env", "log", "run", "state"]);
    expect(mode(join(svc, "run"))).toBe(0o755);
    expect(mode(join(svc, "log", "run"))).toBe(0o755);
    expect(mode(join(svc, "env"))).toBe(0o700);
    expect(statSync(join(svc, "state")).uid).toBe(nobodyUid);
    expect(statSync(join(svc, "log", "main")).uid).toBe(nobodyUid);
    expect(statSync(join(svc, "log", "main")).isDirectory()).toBe(true);
    expect(readFileSync(join(svc, "env", "CHIME_WHEN"), "utf8")).toBe(",S/3\n");
    expect(readdirSync(join(svc, "env"))).not.toContain("CHIME_ALLOW_ROOT");

    const run = readFileSync(join(svc, "run"), "utf8");
    expect(run.startsWith("#!/bin/sh\n")).toBe(true);
    expect(run).toContain("\nexec 2>&1\n");
    execFileSync("sh", ["-n", join(svc, "run")]);
    const words = execWords(run);
    const chimeAt = words.findIndex((w) => w.endsWith("/dist/bin/chime.cjs"));
    expect(words.slice(0, 5)).toEqual(["envdir", "./env", "setuidgid", "nobody", process.execPath]);
    expect(chimeAt).toBeGreaterThan(4);
    expect(statSync(words[chimeAt] as string).isFile()).toBe(true);
    // A service by its own word (--service), not only by env/CHIME_WHEN, which envdir unsets
    // when the file is empty; the job's arguments arrive as exactly the words given.
    expect(words.slice(chimeAt + 1)).toEqual(["--service", "exec", "--", "/bin/echo", "it's a test", "$HOME"]);
  });

  asRoot.it("runs multilog without t, with a size and a count, as the log user, into ./main", async () => {
    await install(["svc1", "--dir", base, "--user", "root", "--log-user", "nobody"]);
    const logRun = readFileSync(join(base, "svc1", "log", "run"), "utf8");
    execFileSync("sh", ["-n", join(base, "svc1", "log", "run")]);
    const words = execWords(logRun);
    expect(words.slice(0, 3)).toEqual(["setuidgid", "nobody", "multilog"]);
    const script = words.slice(3);
    expect(script).not.toContain("t");
    expect(script.some((w) => /^s\d+$/.test(w))).toBe(true);
    expect(script.some((w) => /^n\d+$/.test(w))).toBe(true);
    expect(script.at(-1)).toBe("./main");
  });

  asRoot.it("consents to root in env/ only when the job user is root, and says so", async () => {
    const lines = await install(["rooty", "--dir", base, "--user", "root", "--job", "ntp-check", "--", "127.0.0.1:1123"]);
    expect(readFileSync(join(base, "rooty", "env", "CHIME_ALLOW_ROOT"), "utf8")).toBe("1\n");
    expect(lines.join("\n")).toMatch(/warning: .*root/);
    // The template's schedule is kept when --when is not given.
    expect(readFileSync(join(base, "rooty", "env", "CHIME_WHEN"), "utf8")).toBe(
      readFileSync(join("service", "ntp-check", "env", "CHIME_WHEN"), "utf8"),
    );
    expect(execWords(readFileSync(join(base, "rooty", "run"), "utf8")).slice(-2)).toEqual(["ntp-check", "127.0.0.1:1123"]);
  });

  asRoot.it("writes a down file on --down, so supervise waits for svc -u", async () => {
    await install(["later", "--dir", base, "--user", "nobody", "--down", "--job", "git-backup", "--", "/srv/mirrors"]);
    expect(statSync(join(base, "later", "down")).isFile()).toBe(true);
    expect(execWords(readFileSync(join(base, "later", "run"), "utf8")).slice(-2)).toEqual(["git-backup", "/srv/mirrors"]);
  });

  it("refuses to overwrite an existing service directory and leaves it untouched", async () => {
    mkdirSync(join(base, "taken"));
    writeFileSync(join(base, "taken", "run"), "#!/bin/sh\nexec sleep 1\n");
    const err = await failure(["taken", "--dir", base, "--user", someUser]);
    expect(err.code).toBe(100);
    expect(err.message).toContain(join(base, "taken"));
    expect(readFileSync(join(base, "taken", "run"), "utf8")).toBe("#!/bin/sh\nexec sleep 1\n");
    expect(readdirSync(base)).toEqual(["taken"]);
  });

  it("does not start anything: no supervise/ directory appears", async () => {
    await install(["quiet", "--dir", base, "--user", someUser]);
    expect(readdirSync(join(base, "quiet"))).not.toContain("supervise");
    expect(readdirSync(join(base, "quiet", "log"))).not.toContain("supervise");
  });
});

describe("chime install-service names the bad value and exits 100", () => {
  it.each([["../escape"], [".hidden"], ["-x"], ["a/b"], ["sp ace"], ["x".repeat(65)]])("service name %j", async (name) => {
    const err = await failure([name, "--dir", base, "--user", "nobody"]);
    expect(err.code).toBe(100);
    expect(err.message).toContain(name);
    expect(readdirSync(base)).toEqual([]);
  });

  it("an unknown user, for --user and for --log-user", async () => {
    const missing = "chime-no-such-user-x";
    const errUser = await failure(["svc", "--dir", base, "--user", missing]);
    expect([errUser.code, errUser.message]).toEqual([100, `install-service: --user: no such user: "${missing}"`]);
    const errLog = await failure(["svc", "--dir", base, "--user", someUser, "--log-user", missing]);
    expect([errLog.code, errLog.message]).toEqual([100, `install-service: --log-user: no such user: "${missing}"`]);
    expect(readdirSync(base)).toEqual([]);
  });

  it("a user name that is not plain never reaches id(1)", async () => {
    const err = await failure(["svc", "--dir", base, "--user", "--help"]);
    expect(err.code).toBe(100);
    expect(err.message).toContain('"--help"');
  });

  it.each([
    [["svc", "--user", "nobody"], "--dir"],
    [["svc", "--dir", "/nonexistent-chime-dir"], "--user"],
    [["--dir", "X", "--user", "nobody"], "NAME"],
    [["svc", "--dir", "X", "--user", "nobody", "--bogus"], "--bogus"],
    [
      ["svc", "--dir", "X", "--user", "nobody", "--job", "cron"],
      '--job: unknown job (git-backup, ntp-check, exec, dns-blocklist, asn-db): "cron"',
    ],
    [["svc", "--dir", "X", "--user", "nobody", "--job", "git-backup"], "git-backup"],
    [["svc", "--dir", "X", "--user", "nobody", "--when", ""], "--when"],
    [["svc", "extra", "--dir", "X", "--user", "nobody"], "extra"],
    [["svc", "--dir"], "--dir"],
  ])("usage %j", async (args, named) => {
    const err = await failure(args);
    expect(err.code).toBe(100);
    expect(err.message).toContain(named);
  });

  it("a --node that is not an executable", async () => {
    writeFileSync(join(base, "not-node"), "text", { mode: 0o644 });
    const err = await failure(["svc", "--dir", base, "--user", someUser, "--node", join(base, "not-node")]);
    expect(err.code).toBe(100);
    expect(err.message).toBe(`install-service: --node: not an executable file: ${JSON.stringify(join(base, "not-node"))}`);
    expect(readdirSync(base)).toEqual(["not-node"]);
  });

  asRoot.it("warns when the job user cannot run the node the script names (a checkout under /root)", async () => {
    const hidden = join(base, "private");
    mkdirSync(hidden, { mode: 0o700 });
    symlinkSync(process.execPath, join(hidden, "node"));
    const lines = await install(["svc", "--dir", base, "--user", "nobody", "--node", join(hidden, "node")]);
    expect(lines.join("\n")).toContain(
      `warning: nobody cannot run ${join(hidden, "node")} (EACCES): the service would fail at every start`,
    );
    // still written: the admin may fix the permissions afterwards
    expect(readdirSync(join(base, "svc"))).toContain("run");
  });

  it("a --dir that does not exist", async () => {
    const err = await failure(["svc", "--dir", join(base, "missing"), "--user", someUser]);
    expect(err.code).toBe(100);
    expect(err.message).toContain(join(base, "missing"));
  });

  it("--help prints the usage and exits 0", async () => {
    const lines = await install(["--help"]);
    expect(lines.join("\n")).toMatch(/^usage: chime install-service NAME --dir DIR --user USER/);
    expect(lines.join("\n")).toContain("Exit codes");
  });
});

describe("chime install-service checks the job's options by the job's own declaration", () => {
  it.each([
    [["--job", "ntp-check", "--", "--samples", "0", "pool.ntp.org"], 'install-service: ntp-check: --samples: must be from 1 to 16: "0"'],
    [
      ["--job", "ntp-check", "--", "--warn", "5", "pool.ntp.org"],
      'install-service: ntp-check: --warn: not a duration with a unit, like 250ms, 2s, 1h: "5"',
    ],
    [["--job", "git-backup", "--", "/srv/git", "--frobnicate"], "install-service: git-backup: --frobnicate: unknown option"],
    [
      ["--job", "git-backup", "--", "/srv/git", "--concurrency=lots"],
      'install-service: git-backup: --concurrency: not a whole number: "lots"',
    ],
  ])("%j is refused as the service would refuse it at start", async (args, message) => {
    const err = await failure(["svc", "--dir", base, "--user", someUser, ...args]);
    expect([err.code, err.message]).toEqual([100, message]);
    expect(readdirSync(base)).toEqual([]);
  });

  it("the jobs it offers are the registry's", async () => {
    const help = (await install(["--help"])).join("\n");
    for (const job of Object.keys(jobLoaders)) expect(help).toContain(job);
    const err = await failure(["svc", "--dir", base, "--user", someUser, "--job", "no-such-job"]);
    expect(err.message).toBe(`install-service: --job: unknown job (${Object.keys(jobLoaders).join(", ")}): "no-such-job"`);
  });
});

describe("chime install-service checks the schedule before writing anything", () => {
  it.each([",M=61", ",X=1", "* * *", "0 25 * * *", "0 0 31 2 *", ",y=2020"])(
    "--when %j is refused with the parser's reason",
    async (when) => {
      const err = await failure(["svc", "--dir", base, "--user", someUser, "--when", when]);
      expect(err.code).toBe(100);
      expect(err.message).toMatch(/^install-service: --when: .+: /);
      expect(err.message.endsWith(`: ${JSON.stringify(when)}`)).toBe(true);
      expect(readdirSync(base)).toEqual([]);
    },
  );

  it("a --when whose interval is not longer than the template's splay is refused, as chime would at start", async () => {
    // git-backup's template has env/CHIME_SPLAY 10m: with ,M/1 every run would carry a slot
    // from minutes before (issue 9 §4)
    expect(readFileSync(join("service", "git-backup", "env", "CHIME_SPLAY"), "utf8").trim()).toBe("10m");
    const err = await failure(["svc", "--dir", base, "--user", someUser, "--job", "git-backup", "--when", ",M/1", "--", "/srv/git"]);
    expect(err.code).toBe(100);
    expect(err.message).toBe(
      'install-service: --when: with the git-backup template\'s splay 10m (env/CHIME_SPLAY): not shorter than the 60s between runs of ",M/1": each run would start after later slots were due; choose a sparser --when, or install and then shorten env/CHIME_SPLAY: ",M/1"',
    );
    expect(readdirSync(base)).toEqual([]);
  });

  it("a config file job whose splay is not shorter than its interval is refused", async () => {
    const path = join(base, "..", `splay-${process.pid}.json`);
    writeFileSync(path, JSON.stringify({ jobs: [{ job: "exec", args: ["--", "true"], when: ",M/5", splay: "5m" }] }));
    try {
      const err = await failure(["svc", "--dir", base, "--user", someUser, "--config", path]);
      expect(err.code).toBe(100);
      expect(err.message).toMatch(/config file .* line 1 \(jobs\[0\]\.splay\): not shorter than .*: "5m"$/);
      expect(readdirSync(base)).toEqual([]);
    } finally {
      rmSync(path, { force: true });
    }
  });

  it.each([",M=0", ",d-1,H=3", "*/5 * * * *"])("--when %j is accepted", async (when) => {
    await install(["svc", "--dir", base, "--user", someUser, "--when", when]);
    expect(readFileSync(join(base, "svc", "env", "CHIME_WHEN"), "utf8")).toBe(`${when}\n`);
  });
});

describe("chime install-service --config FILE: one service for the jobs of a file", () => {
  const goodConfig = { jobs: [{ name: "hello", job: "exec", args: ["--", "/bin/echo", "hi"], when: ",M/5" }] };

  asRoot.it("names the file in env/CHIME_CONFIG and runs chime without a job", async () => {
    writeFileSync(join(base, "jobs.json"), JSON.stringify(goodConfig));
    await install(["multi", "--dir", base, "--user", "nobody", "--config", join(base, "jobs.json")]);
    const svc = join(base, "multi");
    expect(readFileSync(join(svc, "env", "CHIME_CONFIG"), "utf8")).toBe(`${join(base, "jobs.json")}\n`);
    expect(readdirSync(join(svc, "env"))).not.toContain("CHIME_WHEN");
    const words = execWords(readFileSync(join(svc, "run"), "utf8"));
    expect(words.slice(0, 4)).toEqual(["envdir", "./env", "setuidgid", "nobody"]);
    expect(words.at(-2)).toMatch(/\/dist\/bin\/chime\.cjs$/);
    expect(words.at(-1)).toBe("--service");
  });

  it.each([
    ["not JSON", "{"],
    ["a misspelt field", JSON.stringify({ jobs: [{ ...goodConfig.jobs[0], tiemout: "5m" }] })],
    ["a bad schedule", JSON.stringify({ jobs: [{ ...goodConfig.jobs[0], when: ",M=60" }] })],
    ["a schedule that never matches", JSON.stringify({ jobs: [{ ...goodConfig.jobs[0], when: "0 0 30 2 *" }] })],
  ])("refuses a file with %s, naming the file, before writing anything", async (_what, text) => {
    writeFileSync(join(base, "bad.json"), text);
    const err = await failure(["multi", "--dir", base, "--user", someUser, "--config", join(base, "bad.json")]);
    expect(err.code).toBe(100);
    expect(err.message).toContain(`--config ${join(base, "bad.json")}`);
    expect(readdirSync(base)).toEqual(["bad.json"]);
  });

  it("refuses a file that does not exist", async () => {
    const err = await failure(["multi", "--dir", base, "--user", someUser, "--config", join(base, "missing.json")]);
    expect(err.code).toBe(100);
    expect(err.message).toContain("ENOENT");
  });

  it.each([
    ["--when", ",M=0"],
    ["--job", "exec"],
  ])("refuses --config with %s", async (flag, value) => {
    const err = await failure(["multi", "--dir", base, "--user", someUser, "--config", "/x.json", flag, value]);
    expect(err.code).toBe(100);
    expect(err.message).toContain(flag);
  });

  it("refuses --config with job arguments", async () => {
    const err = await failure(["multi", "--dir", base, "--user", someUser, "--config", "/x.json", "--", "date"]);
    expect(err.code).toBe(100);
    expect(err.message).toContain("JOB-ARG");
  });
});

describe("chime install-service --supervisor: each supervisor's own programs, checked before writing", () => {
  /** Runs `body` with PATH holding only stand-ins (/bin/true) for `programs`, so which supervisor is "installed" is the test's choice. */
  async function withPrograms<T>(programs: readonly string[], body: () => Promise<T>): Promise<T> {
    const bin = mkdtempSync(join(tmpdir(), "chime-install-bin-"));
    for (const p of programs) symlinkSync("/bin/true", join(bin, p));
    // the real id(1): install-service looks --user up through it
    symlinkSync(execFileSync("sh", ["-c", "command -v id"], { encoding: "utf8" }).trim(), join(bin, "id"));
    const saved = process.env["PATH"];
    process.env["PATH"] = bin;
    try {
      return await body();
    } finally {
      process.env["PATH"] = saved;
      rmSync(bin, { recursive: true, force: true });
    }
  }
  const runit = ["runsvdir", "chpst", "svlogd"];
  const s6 = ["s6-svscan", "s6-envdir", "s6-setuidgid", "s6-log"];
  const daemontools = ["svscan", "envdir", "setuidgid", "multilog"];

  asRoot.it(
    "runit: chpst -e ./env -u USER in run, chpst -u LOG-USER svlogd -tt in log/run, svlogd's config, chime's labels off",
    async () => {
      const lines = await withPrograms(runit, () => install(["svc1", "--dir", base, "--user", "nobody", "--supervisor", "runit"]));
      expect(lines.at(-1)).toContain("for runit");
      const svc = join(base, "svc1");
      expect(execWords(readFileSync(join(svc, "run"), "utf8")).slice(0, 6)).toEqual([
        "chpst",
        "-e",
        "./env",
        "-u",
        "nobody",
        process.execPath,
      ]);
      expect(execWords(readFileSync(join(svc, "log", "run"), "utf8"))).toEqual(["chpst", "-u", "nobody", "svlogd", "-tt", "./main"]);
      expect(readFileSync(join(svc, "log", "main", "config"), "utf8")).toBe("s1000000\nn20\n");
      // svlogd -tt stamps every line; a TAI64N label of chime's after it would be noise
      expect(readFileSync(join(svc, "env", "CHIME_LOG_STAMP"), "utf8")).toBe("none\n");
    },
  );

  asRoot.it("s6: s6-envdir ./env s6-setuidgid USER in run, s6-log t in log/run, chime's labels off", async () => {
    const lines = await withPrograms(s6, () => install(["svc1", "--dir", base, "--user", "nobody", "--supervisor", "s6"]));
    expect(lines.at(-1)).toContain("s6-svscanctl -a");
    const svc = join(base, "svc1");
    expect(execWords(readFileSync(join(svc, "run"), "utf8")).slice(0, 5)).toEqual([
      "s6-envdir",
      "./env",
      "s6-setuidgid",
      "nobody",
      process.execPath,
    ]);
    expect(execWords(readFileSync(join(svc, "log", "run"), "utf8"))).toEqual([
      "s6-setuidgid",
      "nobody",
      "s6-log",
      "t",
      "s1000000",
      "n20",
      "./main",
    ]);
    // chime's labels follow daemontools (+10 s), s6-tai64nlocal real TAI: they would read 27 s early
    expect(readFileSync(join(svc, "env", "CHIME_LOG_STAMP"), "utf8")).toBe("none\n");
  });

  asRoot.it("daemontools keeps chime's own labels and multilog without t", async () => {
    await withPrograms(daemontools, () => install(["svc1", "--dir", base, "--user", "nobody", "--supervisor", "daemontools"]));
    expect(readdirSync(join(base, "svc1", "env"))).not.toContain("CHIME_LOG_STAMP");
    expect(execWords(readFileSync(join(base, "svc1", "log", "run"), "utf8"))).toEqual([
      "setuidgid",
      "nobody",
      "multilog",
      "s1000000",
      "n20",
      "./main",
    ]);
  });

  it("detects the only supervisor on PATH", async () => {
    const lines = await withPrograms(s6, () => install(["svc1", "--dir", base, "--user", someUser]));
    expect(lines.at(-1)).toContain("for s6");
    expect(execWords(readFileSync(join(base, "svc1", "run"), "utf8"))[0]).toBe("s6-envdir");
  });

  it("with several on PATH, the one whose marks the scan directory carries (s6-svscan's .s6-svscan/)", async () => {
    mkdirSync(join(base, ".s6-svscan"));
    const lines = await withPrograms([...daemontools, ...runit, ...s6], () => install(["svc1", "--dir", base, "--user", someUser]));
    expect(lines.at(-1)).toContain("for s6");
  });

  it("with several on PATH and no marks, daemontools, saying so", async () => {
    const lines = await withPrograms([...daemontools, ...runit], () => install(["svc1", "--dir", base, "--user", someUser]));
    expect(lines[0]).toContain("several supervisors on PATH (daemontools, runit)");
    expect(lines.at(-1)).toContain("for daemontools");
  });

  it("no supervisor on PATH: says which to install, writes nothing", async () => {
    const err = await withPrograms([], () => failure(["svc1", "--dir", base, "--user", someUser]));
    expect([err.code, err.message]).toEqual([100, expect.stringContaining("no supervisor found on PATH (svscan, runsvdir, s6-svscan)")]);
    expect(err.message).toContain("apt-get install daemontools, runit or s6");
    expect(readdirSync(base)).toEqual([]);
  });

  it("a program the scripts call is missing: names it and the package, writes nothing", async () => {
    const err = await withPrograms(["runsvdir", "chpst"], () =>
      failure(["svc1", "--dir", base, "--user", someUser, "--supervisor", "runit"]),
    );
    expect([err.code, err.message]).toEqual([
      100,
      'install-service: --supervisor: the run scripts call svlogd, which is not on PATH (install the runit package): "runit"',
    ]);
    expect(readdirSync(base)).toEqual([]);
  });

  it("an unknown --supervisor is named", async () => {
    const err = await failure(["svc1", "--dir", base, "--user", someUser, "--supervisor", "systemd"]);
    expect([err.code, err.message]).toEqual([100, 'install-service: --supervisor: unknown supervisor (daemontools, runit, s6): "systemd"']);
  });
});
