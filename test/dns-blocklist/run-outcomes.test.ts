import { spawnSync } from "node:child_process";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { requires } from "../support/requires.js";
import { withUnbound } from "../helpers/unbound-server.js";
import { parseLikeNagiosCore, parsePerfdata } from "../helpers/nagios-plugin-output.js";
import { listWithEtag, startBlocklistRig, type BlocklistRig } from "./helpers/blocklist-rig.js";

const NXDOMAIN = 3;
const withPromtool = requires("unbound", "unbound-control", "unbound-checkconf", "promtool");

// Issue 13 §1, §4, §5 through a real unbound: what each kind of run does to the served list.
withUnbound.describe("dns-blocklist runs: unchanged, failing sources, refused results, failed reloads, rollback", () => {
  let rig: BlocklistRig;
  let a = "";
  let b = "";
  let bUp = true;
  beforeAll(async () => {
    rig = await startBlocklistRig(['local-data: "plain.example. 300 IN A 192.0.2.5"']);
    rig.routes.set(
      "/a.txt",
      listWithEtag(() => a),
    );
    rig.routes.set("/b.txt", (req, res, s) => {
      if (!bUp) {
        res.writeHead(503);
        res.end();
      } else listWithEtag(() => b)(req, res, s);
    });
  });
  afterAll(async () => rig?.stop());
  beforeEach(async () => {
    await rig.resetState();
    a = Array.from({ length: 100 }, (_, i) => `a${i}.ads.example`).join("\n");
    b = "0.0.0.0 b1.miner.example\n0.0.0.0 b2.miner.example\n203.0.113.7\n198.51.100.0/24\n2001:db8::/32\n";
    bUp = true;
  });
  const sources = () => [rig.url("/a.txt"), rig.url("/b.txt")];

  withUnbound.it("a run where every source answers 304 and nothing else changed rebuilds and reloads nothing", async () => {
    await rig.run(sources());
    const before = await stat(rig.include);
    // the tools cannot even be started: had the run tried to check or reload, it would fail
    const { result, log } = await rig.run([
      "--unbound-control",
      "/nonexistent/unbound-control",
      "--unbound-checkconf",
      "/nonexistent/unbound-checkconf",
      ...sources(),
    ]);
    expect(result.status).toBe("ok");
    expect(result.summary).toMatch(/^DNS-BLOCKLIST OK: version \d+ unchanged, 102 names\|/);
    expect(log.filter((l) => l["msg"] === "source read").map((l) => l["state"])).toEqual(["unchanged", "unchanged"]);
    expect(rig.http.headers.slice(-2).every((h) => h["if-none-match"] !== undefined)).toBe(true);
    const after = await stat(rig.include);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  withUnbound.it("one source failing: WARNING naming it, its last good copy still blocks", async () => {
    await rig.run(sources());
    bUp = false;
    a += "\nnew.ads.example";
    const { result } = await rig.run(sources());
    expect(result.status).toBe("warning");
    const reading = parseLikeNagiosCore(result.report!);
    expect(reading.statusText).toMatch(/^DNS-BLOCKLIST WARNING: version \d+ applied, .*source failed: http:\/\/127\.0\.0\.1:\d+\/b\.txt$/);
    expect(parsePerfdata(reading.perfdata).find((p) => p.label === "sources_failed")?.value).toBe(1);
    expect(reading.longOutput.some((l) => /b\.txt: FAILED \(GET .*HTTP status 503\), last good copy used/.test(l))).toBe(true);
    expect((await rig.ask("b1.miner.example")).rcode).toBe(NXDOMAIN);
    expect((await rig.ask("new.ads.example")).rcode).toBe(NXDOMAIN);
  });

  withUnbound.it("every source failing keeps the blocklist: WARNING, CRITICAL once the newest copy is older than --max-age", async () => {
    const t0 = Date.now();
    await rig.run(sources(), { nowMs: t0 });
    const served = await readFile(rig.include, "utf8");
    bUp = false;
    const down = [rig.url("/gone.txt"), rig.url("/b.txt")];
    await rig.run([rig.url("/a.txt"), rig.url("/b.txt")], { nowMs: t0 });
    const soon = await rig.run(["--max-age", "1h", ...down], { nowMs: t0 + 30 * 60_000 });
    expect(soon.result.status).toBe("warning");
    expect(soon.result.summary).toMatch(/^DNS-BLOCKLIST WARNING: every source failed, version \d+ kept/);
    const late = await rig.run(["--max-age", "1h", rig.url("/b.txt")], { nowMs: t0 + 2 * 3_600_000 });
    expect(late.result.status).toBe("critical");
    expect(late.result.summary).toMatch(/older than --max-age/);
    expect(await readFile(rig.include, "utf8")).toBe(served);
  });

  withUnbound.it(
    "a result that shrinks by more than --max-shrink is refused: CRITICAL, the served list stays, the trip is counted",
    async () => {
      await rig.run(sources());
      const served = await readFile(rig.include, "utf8");
      a = "a1.ads.example\n";
      const prom = join(rig.dir, "dns.prom");
      const { result } = await rig.run(["--prom-file", prom, ...sources()]);
      expect(result.status).toBe("critical");
      expect(result.summary).toMatch(/^DNS-BLOCKLIST CRITICAL: refused: the list would shrink from 105 to 6 entries .*--max-shrink 50 %/);
      expect(await readFile(rig.include, "utf8")).toBe(served);
      expect(await readFile(prom, "utf8")).toMatch(/^chime_dns_blocklist_guard_trips_total\{guard="shrink"\} [1-9]\d*$/m);
      expect((await rig.ask("a50.ads.example")).rcode).toBe(NXDOMAIN);
    },
  );

  withUnbound.it("never-block: a network holding a list's own host, or a parent of a --protect name, refuses the result", async () => {
    await rig.run(sources());
    const served = await readFile(rig.include, "utf8");
    b += "127.0.0.0/8\n";
    const byAddress = await rig.run(sources());
    expect(byAddress.result.status).toBe("critical");
    expect(byAddress.result.summary).toMatch(
      /refused: the list would block 127\.0\.0\.1 \(the host of source http:\/\/127\.0\.0\.1:\d+\/a\.txt\) by address/,
    );
    b = b.replace("127.0.0.0/8\n", "");
    const protect = join(rig.dir, "protect.txt");
    await writeFile(protect, "# ours\nmail.corp.example\n");
    a += "\ncorp.example";
    const byName = await rig.run(["--protect", protect, ...sources()]);
    expect(byName.result.status).toBe("critical");
    expect(byName.result.summary).toContain(`refused: the list would block mail.corp.example (--protect ${protect}) through corp.example`);
    expect(await readFile(rig.include, "utf8")).toBe(served);
  });

  withUnbound.it("unbound refusing the reload: the previous file is put back, CRITICAL", async () => {
    await rig.run(sources());
    const served = await readFile(rig.include, "utf8");
    // the same configuration, but its control socket leads nowhere: checkconf passes, the reload fails
    const conf = join(rig.dir, "unreachable.conf");
    await writeFile(
      conf,
      (await readFile(rig.unbound.config, "utf8")).replace(
        /control-interface: "[^"]*"/,
        `control-interface: "${join(rig.dir, "nobody.sock")}"`,
      ),
    );
    a += "\nonly-if-reloaded.example";
    const { result } = await rig.run(["--unbound-conf", conf, ...sources()]);
    expect(result.status).toBe("critical");
    expect(result.summary).toMatch(
      /^DNS-BLOCKLIST CRITICAL: reload failed \(unbound-control reload_keep_cache: .+\); file rolled back to version \d+/,
    );
    expect(await readFile(rig.include, "utf8")).toBe(served);
  });

  withUnbound.it("--rollback re-applies the version before, --rollback N that version", async () => {
    a = "first.example\n";
    b = "";
    const v1 = await rig.run(["--max-shrink", "100", "--max-growth", "100", ...sources()]);
    const n1 = Number(/version (\d+) applied/.exec(v1.result.summary)![1]);
    a = "second.example\n";
    await rig.run(sources());
    expect((await rig.ask("second.example")).rcode).toBe(NXDOMAIN);
    expect((await rig.ask("first.example")).rcode).not.toBe(NXDOMAIN);
    const back = await rig.run(["--rollback"]);
    expect(back.result.status).toBe("ok");
    expect(back.result.summary).toMatch(
      new RegExp(`^DNS-BLOCKLIST OK: rolled back to version ${n1} \\(now version \\d+\\), 1 names \\(\\+1 -1\\)`),
    );
    expect((await rig.ask("first.example")).rcode).toBe(NXDOMAIN);
    expect((await rig.ask("second.example")).rcode).not.toBe(NXDOMAIN);
    const again = await rig.run(["--rollback", String(n1 + 1)]);
    expect(again.result.summary).toMatch(new RegExp(`rolled back to version ${n1 + 1} `));
    expect((await rig.ask("second.example")).rcode).toBe(NXDOMAIN);
    const missing = await rig.run(["--rollback", "999999"]);
    expect(missing.result.status).toBe("critical");
    expect(missing.result.summary).toMatch(/no version 999999 to roll back to \(kept: [\d, ]+\)/);
  });

  withUnbound.it("--pf-table gets one address or network a line, --nft-set a flush-and-fill script per family", async () => {
    const pf = join(rig.dir, "blocklist.pf");
    const nft = join(rig.dir, "blocklist.nft");
    const { result } = await rig.run(["--pf-table", pf, "--nft-set", nft, ...sources()]);
    expect(result.status).toBe("ok");
    // pfctl(8) -T replace -f: one address or CIDR per line
    expect((await readFile(pf, "utf8")).split("\n").filter(Boolean).sort()).toEqual(["198.51.100.0/24", "2001:db8::/32", "203.0.113.7/32"]);
    // nft(8): a file is one transaction; `flush set` then `add element` refills a named set
    expect(await readFile(nft, "utf8")).toBe(
      [
        "flush set inet filter dns_blocklist_v4",
        "add element inet filter dns_blocklist_v4 { 198.51.100.0/24, 203.0.113.7/32 }",
        "flush set inet filter dns_blocklist_v6",
        "add element inet filter dns_blocklist_v6 { 2001:db8::/32 }",
        "",
      ].join("\n"),
    );
  });

  withUnbound.it("a token in a source URL reaches neither the output nor the log", async () => {
    const secret = "tok3n-SECRET-value";
    const url = `http://reader:${secret}@127.0.0.1:${new URL(rig.http.url).port}/a.txt?token=${secret}`;
    const prom = join(rig.dir, "secret.prom");
    const { result, log } = await rig.run(["--prom-file", prom, url, rig.url("/missing.txt")]);
    expect(result.status).toBe("warning");
    for (const text of [result.summary, result.report ?? "", JSON.stringify(log), await readFile(prom, "utf8")])
      expect(text).not.toContain(secret);
    expect(result.report).toContain(`http://127.0.0.1:${new URL(rig.http.url).port}/a.txt?token=REDACTED`);
  });

  withPromtool.it("the metrics file passes promtool check metrics and says what was applied", async () => {
    const prom = join(rig.dir, "ok.prom");
    const { result } = await rig.run(["--prom-file", prom, ...sources()]);
    expect(result.status).toBe("ok");
    const text = await readFile(prom, "utf8");
    const check = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
    expect(text).toMatch(/^chime_dns_blocklist_names 102$/m);
    expect(text).toMatch(/^chime_dns_blocklist_networks 3$/m);
    expect(text).toMatch(
      new RegExp(`^chime_dns_blocklist_source_entries\\{source="${rig.url("/b.txt").replace(/[.]/g, "\\.")}"\\} 5$`, "m"),
    );
    expect(text).toMatch(/^chime_dns_blocklist_applied_version [1-9]\d*$/m);
    expect(text).toMatch(/^chime_dns_blocklist_last_success_timestamp_seconds \d{10}$/m);
  });
});
