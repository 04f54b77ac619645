/**
 * docs/operations.md "Monitoring": every example in the section runs as written, in order,
 * against a real svscan — with paths and names mapped into a temporary tree (below), a local
 * HTTP server for the ping endpoint, and a `mail` that writes to a file.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { serveHttp, type LoopbackHttp } from "../helpers/loopback-http.js";
import { parseLikeNagiosCore } from "../helpers/nagios-plugin-output.js";
import { installationForEveryone, nobody, SvscanRig, svstat, tearDown, waitFor } from "../service/svscan-rig.js";
import { requires } from "../support/requires.js";

const gate = requires("svscan", "supervise", "svc", "svok", "svstat", "setuidgid", "multilog", "tai64nlocal", "ps", "root", "promtool");

/** The Monitoring section's indented code blocks, in order. */
function examples(): string[] {
  const doc = readFileSync(resolve("docs/operations.md"), "utf8");
  const start = doc.indexOf("\n## Monitoring\n");
  const section = doc.slice(start, doc.indexOf("\n## ", start + 5));
  const blocks: string[] = [];
  let cur: string[] = [];
  for (const line of section.split("\n")) {
    if (line.startsWith("    ")) cur.push(line.slice(4));
    else if (line.trim() === "") {
      if (cur.length > 0) cur.push("");
    } else if (cur.length > 0) {
      blocks.push(cur.join("\n"));
      cur = [];
    }
  }
  if (cur.length > 0) blocks.push(cur.join("\n"));
  return blocks.map((b) => b.trimEnd());
}

let base: string;
let rig: SvscanRig | undefined;
let ping: LoopbackHttp;
const pings: { method: string; path: string }[] = [];
const seen = new Set<number>();
let blocks: string[];
let map: (text: string) => string;
let env: Record<string, string>;

/** The block that contains `marker`; the test fails if the doc lost it. */
function block(marker: string): string {
  const b = blocks.find((x) => x.includes(marker));
  if (b === undefined) throw new Error(`docs/operations.md Monitoring has no example with ${JSON.stringify(marker)}`);
  return b;
}

/** A block through sh, as a reader would paste it (as root, or as nobody:nogroup). */
function paste(text: string, as?: { uid: number; gid: number }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn("sh", ["-e", "-c", map(text)], { cwd: resolve("."), env, ...(as ?? {}) });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("exit", (code) => res({ code, stdout, stderr }));
  });
}

gate.describe("docs/operations.md Monitoring: the examples, run", () => {
  beforeAll(async () => {
    blocks = examples();
    base = mkdtempSync(join(tmpdir(), "chime-doc-monitoring-"));
    chmodSync(base, 0o755);
    for (const d of ["service", "bin", "textfile", "mailbox"]) mkdirSync(join(base, d));
    chownSync(join(base, "textfile"), nobody.uid, nobody.gid);
    chownSync(join(base, "mailbox"), nobody.uid, nobody.gid);
    const { chime, node } = installationForEveryone(base, nobody);
    writeFileSync(join(base, "bin", "chime"), `#!/bin/sh\nexec ${node} ${chime} "$@"\n`, { mode: 0o755 });
    // mail(1): what it was asked to send, into a file
    writeFileSync(
      join(base, "bin", "mail"),
      `#!/bin/sh\n{ echo "mail $*"; cat; } > ${base}/mailbox/.m.$$ && mv ${base}/mailbox/.m.$$ ${base}/mailbox/sent\n`,
      { mode: 0o755 },
    );
    ping = await serveHttp((req, res) => {
      req.resume();
      req.on("end", () => {
        pings.push({ method: req.method ?? "", path: new URL(req.url ?? "/", "http://x").pathname });
        res.writeHead(200).end("OK");
      });
    });
    const nogroup = spawnSync("getent", ["group", "nogroup"], { encoding: "utf8" }).status === 0;
    if (!nogroup) throw new Error("no group nogroup on this system");
    // the mapping of the doc's names into this test's tree
    map = (text) =>
      text
        .replaceAll("/etc/service", join(base, "service"))
        .replaceAll("/var/lib/prometheus/node-exporter", join(base, "textfile"))
        .replaceAll("/usr/local/bin/chime-notify", join(base, "bin", "chime-notify"))
        .replaceAll("https://hc-ping.com", ping.url)
        .replaceAll("--user gitbackup", "--user nobody")
        .replaceAll("--monitor-group nagios", "--monitor-group nogroup");
    env = { PATH: `${join(base, "bin")}:/usr/local/bin:/usr/bin:/bin`, TZ: "UTC" };
  }, 30_000);

  afterAll(async () => {
    const { left, alive } = await tearDown(rig, seen, base);
    await ping?.stop();
    expect(left).toEqual([]);
    expect(alive).toEqual([]);
  }, 40_000);

  gate.it("install, check as the monitoring group, metrics, rules, a failure mailed and pinged", { timeout: 120_000 }, async () => {
    const install = await paste(block("chime install-service backup"));
    expect(install.stderr).toBe("");
    expect(install.code).toBe(0);
    const dir = join(base, "service", "backup");
    rig = new SvscanRig(join(base, "service"), join(base, "svscan.out"));
    rig.start(env);
    await rig.watch("backup");
    await waitFor("backup's first record", 15_000, () => existsSync(join(dir, "state", "exec.json"))).catch((e: Error) => {
      throw new Error(
        `${e.message}\n${spawnSync("ls", ["-laR", dir], { encoding: "utf8" }).stdout}\n${readFileSync(join(dir, "log", "main", "current"), "utf8")}\n${readFileSync(join(base, "svscan.out"), "utf8")}`,
      );
    });
    seen.add(svstat(dir).pid!);

    // chime check as nobody:nogroup, a member of the monitoring group
    const check = await paste(block("chime check /etc/service"), {
      uid: nobody.uid,
      gid: Number(spawnSync("getent", ["group", "nogroup"], { encoding: "utf8" }).stdout.split(":")[2]),
    });
    expect(check.stderr).toBe("");
    const n = parseLikeNagiosCore(check.stdout);
    expect(n.statusText, check.stdout).toMatch(/^CHIME (OK|CRITICAL): /);
    expect(
      n.longOutput.some((l) => /^\w+ +backup\/exec +/.test(l)),
      check.stdout,
    ).toBe(true);
    expect(
      n.longOutput.some((l) => /^(OK|CRITICAL) +backup +up (only )?\d+ s/.test(l)),
      check.stdout,
    ).toBe(true);

    const before = svstat(dir).pid;
    const metrics = await paste(block("CHIME_METRICS_FILE"));
    expect(metrics.code).toBe(0);
    const prom = join(base, "textfile", "backup.prom");
    await waitFor(
      "the metrics file with the job's plan",
      15_000,
      () => existsSync(prom) && readFileSync(prom, "utf8").includes('chime_job_next_run_timestamp_seconds{job="exec"}'),
    );
    expect(svstat(dir).pid).not.toBe(before);

    const rules = await paste(block("promtool check rules"));
    expect(rules.stderr).toBe("");
    expect(rules.code).toBe(0);
    expect(rules.stdout).toContain("SUCCESS");

    const script = block("#!/bin/sh");
    writeFileSync(join(base, "bin", "chime-notify"), script + "\n", { mode: 0o755 });
    const withMetrics = svstat(dir).pid;
    seen.add(withMetrics!);
    const alerts = await paste(block("CHIME_ON_FAILURE"));
    expect(alerts.code).toBe(0);
    const restarted = await waitFor("chime restarted with its alerts", 15_000, () => {
      const s = svstat(dir);
      return s.up && s.pid !== withMetrics ? s.pid : undefined;
    });
    seen.add(restarted!);
    // the new chime has planned its next run: it is past its start, ALRM is handled
    await waitFor(
      "the restarted chime's plan",
      15_000,
      () => (JSON.parse(readFileSync(join(dir, "state", "exec.json"), "utf8")) as { pid?: number }).pid === restarted,
    );

    const now = await paste(block("svc -a /etc/service/backup"));
    expect(now.code).toBe(0);
    const mail = await waitFor("the mail", 20_000, () =>
      existsSync(join(base, "mailbox", "sent")) ? readFileSync(join(base, "mailbox", "sent"), "utf8") : undefined,
    );
    // the job's tag is its job name (install-service --job exec writes no CHIME_NAME)
    expect(mail.split("\n")[0]).toBe("mail -s chime: exec unknown root");
    expect(mail).toMatch(/^exec on \S+: unknown \(failure\)$/m);
    expect(mail).toContain("cannot run /usr/local/bin/backup: ENOENT");
    await waitFor("the fail ping", 20_000, () => pings.some((p) => p.path.endsWith("/fail")));
    // a scheduled run (,M/5) may come first: every run is a start then a fail
    const seenPings = pings.map((p) => `${p.method} ${p.path}`);
    expect(seenPings.length % 2).toBe(0);
    for (let i = 0; i < seenPings.length; i += 2) {
      expect(seenPings.slice(i, i + 2)).toEqual([
        "POST /5f0e4b1c-2a3d-4e5f-8a9b-0c1d2e3f4a5b/start",
        "POST /5f0e4b1c-2a3d-4e5f-8a9b-0c1d2e3f4a5b/fail",
      ]);
    }
  });
});
