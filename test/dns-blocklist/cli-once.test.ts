import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { withUnbound } from "../helpers/unbound-server.js";
import { runBin } from "../cli/run-bin.js";
import { startBlocklistRig, type BlocklistRig } from "./helpers/blocklist-rig.js";

// DESIGN.md §3/§5: a job run once from the command line prints its plugin output on stdout and
// exits with its Nagios status (0 OK, 2 CRITICAL); bad usage is 100. Through the built CLI
// (npm run build), with a file source (runBin waits synchronously: no HTTP server could answer).
withUnbound.describe("chime dns-blocklist, run once from the command line", () => {
  let rig: BlocklistRig;
  beforeAll(async () => {
    rig = await startBlocklistRig();
    await writeFile(join(rig.dir, "local.txt"), "||miner.example^\n0.0.0.0 coin.example\n");
  });
  afterAll(async () => rig?.stop());
  const base = () => [
    "--state-dir",
    join(rig.dir, "cli-state"),
    "dns-blocklist",
    "--include",
    rig.include,
    "--unbound-conf",
    rig.unbound.config,
  ];

  withUnbound.it("applies a list: the status line on stdout, exit 0, unbound answers NXDOMAIN", async () => {
    const r = runBin("chime", [...base(), join(rig.dir, "local.txt")]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(/^DNS-BLOCKLIST OK: version 1 applied, 2 names \(\+2 -0\), 0 networks\|names=2;;;0; /);
    expect((await rig.ask("www.miner.example")).rcode).toBe(3);
    expect((await rig.ask("coin.example")).rcode).toBe(3);
  });

  withUnbound.it("--rollback with no earlier version: CRITICAL, exit 2, nothing changed", () => {
    const r = runBin("chime", [...base(), "--rollback"]);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/^DNS-BLOCKLIST CRITICAL: no version before the current one to roll back to \(kept: 1\)/);
  });

  withUnbound.it("bad usage exits 100 naming the value", () => {
    const r = runBin("chime", [...base(), "--action", "sinkhole", "x"]);
    expect(r.status).toBe(100);
    expect(r.stderr).toMatch(/dns-blocklist: --action: not one of always_nxdomain, always_null, refuse, redirect: "sinkhole"/);
  });
});
