/**
 * The leap-second incident's loop, closed (issue 14 §3, docs/ntp-check.md): real chronyd peers
 * on 127.0.0.2–4, one of which the pool has dropped (score -100, as the broken server scored),
 * served by a local HTTP server speaking the pool's score JSON. `chime ntp-check --pool-score`
 * run once is CRITICAL naming that peer, and --on-critical runs the restart command.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { execFile } from "node:child_process";
import { CHIME, cleanEnv } from "../cli/chime-spawn.js";
import { serveHttp, type LoopbackHttp } from "../helpers/loopback-http.js";
import { parseLikeNagiosCore } from "../helpers/nagios-plugin-output.js";
import { startChronyd, withChronyd, type ChronyServer } from "./helpers/chrony-rig.js";

let servers: ChronyServer[] = [];
let api: LoopbackHttp;
let scratch: string;
/** the pool's scores by address; absent: not a member */
const scores: Record<string, number> = { "127.0.0.2": 19.6, "127.0.0.3": -100 };

beforeAll(async () => {
  if (withChronyd.missing.length > 0) return;
  scratch = await mkdtemp(join(tmpdir(), "chime-pool-incident-"));
  servers = await Promise.all(["127.0.0.2", "127.0.0.3", "127.0.0.4"].map((a) => startChronyd({ kind: "local", stratum: 2 }, 15_000, a)));
  api = await serveHttp((req, res) => {
    const ip = /^\/scores\/([^/]+)\/json/.exec(req.url ?? "")?.[1] ?? "";
    const score = scores[ip];
    if (score === undefined) return void res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
    const ts = Math.floor(Date.now() / 1000) - 60;
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        history: [{ ts, offset: 0.001, step: score < 0 ? -4 : 1, score, monitor_id: null }],
        monitors: [{ id: 24, name: "recentmedian", type: "score", ts: new Date(ts * 1000).toISOString(), score, status: "active" }],
        server: { ip },
      }),
    );
  });
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await api?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

withChronyd.describe("ntp-check --pool-score against real chronyd peers", () => {
  withChronyd.it("a peer the pool dropped: CRITICAL naming it, exit 2, and --on-critical restarts", { timeout: 60_000 }, async () => {
    const flag = join(scratch, "ntpd-restarted");
    // not spawnSync: the pool API answers from this process
    const r = await runAsync([
      "ntp-check",
      "--samples",
      "2",
      "--pool-score",
      "--pool-url",
      api.url,
      "--critical-after",
      "1",
      "--on-critical",
      `touch ${flag}`,
      "-v",
      ...servers.map((s) => `${s.address}:${s.port}`),
    ]);
    const n = parseLikeNagiosCore(r.stdout);
    expect(n.statusText).toBe(`NTP CRITICAL: peer 127.0.0.3:${servers[1]!.port} pool score -100 (below -50; the pool has dropped it)`);
    expect(r.status).toBe(2);
    expect(n.longOutput).toContain(`pool 127.0.0.2:${servers[0]!.port}: score 19.6`);
    expect(n.longOutput).toContain(`pool 127.0.0.4:${servers[2]!.port}: not a pool member`);
    // the NTP side of the verdict is the peers' own: three valid
    expect(n.longOutput.filter((l) => / valid$/.test(l))).toHaveLength(3);
    expect(existsSync(flag)).toBe(true);
    expect(api.paths.sort()).toEqual([
      "/scores/127.0.0.2/json?limit=1",
      "/scores/127.0.0.3/json?limit=1",
      "/scores/127.0.0.4/json?limit=1",
    ]);
  });
});

function runAsync(args: string[]): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CHIME, ...args], { cwd: scratch, env: cleanEnv(), timeout: 50_000 }, (err, stdout) => {
      resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, stdout });
    });
  });
}
