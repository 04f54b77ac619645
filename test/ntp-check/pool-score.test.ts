/**
 * ntp-check --pool-score (issue 14 §3): peers judged by the NTP pool's public score API,
 * served here by a local HTTP server speaking its documented JSON
 * (www.ntppool.org/scores/IP/json: "history" entries with ts/offset/step/score/monitor_id,
 * "monitors" with the "recentmedian" score monitor, "server"), 404 for a non-member, 429 with
 * Retry-After, garbage and silence. The peers are real NTP responders on 127.0.0.x.
 */
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterEach, describe, expect, test } from "vitest";
import { parseNtpCheckArgs } from "../../src/jobs/ntp-check/check-options.js";
import { NtpCheckJob } from "../../src/jobs/ntp-check/ntp-check-job.js";
import { scoreFromAnswer } from "../../src/jobs/ntp-check/pool-score.js";
import { systemNtpClock } from "../../src/jobs/ntp-check/query-server.js";
import { serveHttp, type LoopbackHttp } from "../helpers/loopback-http.js";
import { testContext, type TestContext } from "./helpers/job-context.js";
import { goodReply, startResponder, type Responder } from "./helpers/udp-responder.js";

const opened: { close(): Promise<void> }[] = [];
const contexts: TestContext[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((r) => r.close()));
  await Promise.all(contexts.splice(0).map((c) => c.cleanup()));
});

/** The pool's JSON for one member, as its /scores/IP/json answers (shape from the pool's site). */
function poolJson(ip: string, score: number, opts: { withMonitors?: boolean } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return JSON.stringify({
    history: [
      { ts: now - 900, offset: 0.0011, step: 1, score: score + 3, monitor_id: null },
      { ts: now - 60, offset: 0.0012, step: 1, score, monitor_id: null },
      { ts: now - 1800, offset: 0.0009, step: 1, score: 20, monitor_id: null },
    ],
    monitors:
      opts.withMonitors === false
        ? []
        : [
            { id: 24, name: "recentmedian", type: "score", ts: new Date((now - 60) * 1000).toISOString(), score, status: "active" },
            { id: 7, name: "every", type: "score", ts: new Date((now - 60) * 1000).toISOString(), score: 19.1, status: "active" },
          ],
    server: { ip },
  });
}

type Handler = (ip: string, req: IncomingMessage, res: ServerResponse) => void;

async function poolApi(handler: Handler): Promise<LoopbackHttp> {
  const s = await serveHttp((req, res) => {
    const m = /^\/scores\/([^/]+)\/json(\?.*)?$/.exec(req.url ?? "");
    if (!m) {
      res.writeHead(400).end();
      return;
    }
    handler(decodeURIComponent(m[1]!), req, res);
  });
  opened.push({ close: () => s.stop() });
  return s;
}

const json = (res: ServerResponse, body: string, status = 200) => res.writeHead(status, { "content-type": "application/json" }).end(body);

/** three NTP servers on 127.0.0.2–4, one port */
async function peers(): Promise<number> {
  const a: Responder = await startResponder((req) => [{ bytes: goodReply(req) }], undefined, { address: "127.0.0.2" });
  opened.push(a);
  for (const address of ["127.0.0.3", "127.0.0.4"])
    opened.push(await startResponder((req) => [{ bytes: goodReply(req) }], undefined, { address, port: a.port }));
  return a.port;
}

async function ctxAt(nowMs: () => number = () => Date.now()): Promise<TestContext> {
  const c = await testContext(nowMs);
  contexts.push(c);
  return c;
}

function job(port: number, api: LoopbackHttp, extra: string[] = []): NtpCheckJob {
  const args = [
    "--samples",
    "1",
    "--min-peers",
    "1",
    "--pool-score",
    "--pool-url",
    api.url,
    ...extra,
    `127.0.0.2:${port}`,
    `127.0.0.3:${port}`,
    `127.0.0.4:${port}`,
  ];
  return new NtpCheckJob(parseNtpCheckArgs(args, {}), { resolver: async (h) => [h], clock: systemNtpClock });
}

describe("ntp-check --pool-score", () => {
  test("the score JSON: the recentmedian monitor's score, else the newest history entry's; 404 is no member; garbage is no score", () => {
    expect(scoreFromAnswer(200, Buffer.from(poolJson("192.0.2.1", -100)))).toBe(-100);
    expect(scoreFromAnswer(200, Buffer.from(poolJson("192.0.2.1", 12.5, { withMonitors: false })))).toBe(12.5);
    expect(scoreFromAnswer(404, Buffer.from("Not found"))).toBeNull();
    expect(scoreFromAnswer(200, Buffer.from("<html>oops</html>"))).toEqual({ error: "not JSON" });
    expect(scoreFromAnswer(200, Buffer.from('{"history": [{"ts": "x"}]}'))).toEqual({ error: "no score in it" });
    expect(scoreFromAnswer(503, Buffer.from(""))).toEqual({ error: "HTTP 503" });
  });

  test("a peer the pool scores -100 is CRITICAL, named in the status line; one below 10 a WARNING; a non-member is said so; answers are cached for --pool-interval", async () => {
    const port = await peers();
    const scores: Record<string, number | null> = { "127.0.0.2": -100, "127.0.0.3": 5, "127.0.0.4": null };
    const api = await poolApi((ip, _req, res) =>
      scores[ip] === null || scores[ip] === undefined ? json(res, '{"error":"not found"}', 404) : json(res, poolJson(ip, scores[ip]!)),
    );
    let now = Date.now();
    const ctx = await ctxAt(() => now);
    const j = job(port, api, ["--verbose"]);
    const r = await j.run(ctx);
    expect(r.status).toBe("critical");
    expect(r.summary).toMatch(
      new RegExp(
        `^NTP CRITICAL: peer 127\\.0\\.0\\.2:${port} pool score -100 \\(below -50; the pool has dropped it\\); peer 127\\.0\\.0\\.3:${port} pool score 5 \\(below 10; the pool no longer hands it out\\)\\|`,
      ),
    );
    expect(r.details).toContain(`pool 127.0.0.4:${port}: not a pool member`);
    expect(api.paths.sort()).toEqual([
      "/scores/127.0.0.2/json?limit=1",
      "/scores/127.0.0.3/json?limit=1",
      "/scores/127.0.0.4/json?limit=1",
    ]);

    // within --pool-interval (30m): no query, the same verdict — also for a new job (a run-once check)
    now += 29 * 60_000;
    const again = await job(port, api).run(ctx);
    expect(again.status).toBe("critical");
    expect(api.paths).toHaveLength(3);
    // the pool re-scored the server after the operator fixed it; the next query (after 30m) sees that
    scores["127.0.0.2"] = 19.5;
    scores["127.0.0.3"] = 15;
    now += 2 * 60_000;
    const later = await job(port, api).run(ctx);
    expect(api.paths).toHaveLength(6);
    expect(later.status).toBe("ok");
  });

  test("429 with Retry-After: one query, an UNKNOWN note, no query before the time it names", async () => {
    const port = await peers();
    let limited = true;
    const api = await poolApi((ip, _req, res) =>
      limited ? res.writeHead(429, { "retry-after": "120" }).end("slow down") : json(res, poolJson(ip, 18)),
    );
    let now = Date.now();
    const ctx = await ctxAt(() => now);
    const r = await job(port, api).run(ctx);
    expect(api.paths).toHaveLength(1);
    expect(r.status).toBe("unknown");
    expect(r.summary).toMatch(
      new RegExp(`^NTP UNKNOWN: pool score of 127\\.0\\.0\\.2:${port} unknown: the pool API asked us to wait until \\S+ \\(HTTP 429\\)`),
    );
    // the NTP judgement itself is made: three valid peers
    expect(r.judgement.stats.valid).toBe(3);
    now += 60_000;
    limited = false;
    await job(port, api).run(ctx);
    expect(api.paths).toHaveLength(1);
    now += 61_000;
    const after = await job(port, api).run(ctx);
    expect(api.paths).toHaveLength(4);
    expect(after.status).toBe("ok");
  });

  test("garbage and silence: UNKNOWN notes within --pool-timeout, the NTP verdict otherwise unchanged; a cached score is used meanwhile", async () => {
    const port = await peers();
    let mode: "good" | "garbage" | "silent" = "garbage";
    const api = await poolApi((ip, _req, res) => {
      if (mode === "good") json(res, poolJson(ip, -80));
      else if (mode === "garbage") res.writeHead(200, { "content-type": "text/html" }).end("<html>maintenance</html>");
      // silent: headers never come
    });
    let now = Date.now();
    const ctx = await ctxAt(() => now);
    const r = await job(port, api, ["--pool-timeout", "300ms"]).run(ctx);
    expect(r.status).toBe("unknown");
    expect(r.summary).toContain(`pool score of 127.0.0.2:${port} unknown: the pool API answered: not JSON`);
    mode = "silent";
    const silent = await job(port, api, ["--pool-timeout", "300ms"]).run(ctx);
    expect(silent.summary).toContain(`pool score of 127.0.0.4:${port} unknown: the pool API gave no answer within 0.3 s`);
    mode = "good";
    expect((await job(port, api).run(ctx)).status).toBe("critical");
    // the cache is older than the interval and the API fails: the last score still counts
    now += 31 * 60_000;
    mode = "garbage";
    const stale = await job(port, api, ["--verbose"]).run(ctx);
    expect(stale.status).toBe("critical");
    expect(stale.details).toContain(`pool 127.0.0.2:${port}: score -80 (cached; the pool API answered: not JSON)`);
  });

  test("the incident's loop: a removed pool server is CRITICAL and --on-critical runs (a real command)", async () => {
    const port = await peers();
    const api = await poolApi((ip, _req, res) => json(res, poolJson(ip, ip === "127.0.0.3" ? -100 : 20)));
    const ctx = await ctxAt();
    const flag = join(ctx.stateDir, "restarted");
    const r = await job(port, api, ["--critical-after", "1", "--on-critical", `touch ${flag}`]).run(ctx);
    expect(r.status).toBe("critical");
    expect(existsSync(flag)).toBe(true);
    expect(ctx.lines.some((l) => /^on-critical: touch finished: exit 0$/.test(l))).toBe(true);
  });

  test("--daemon openntpd: the daemon's own peers are scored too (a dropped server is no longer in the pool's DNS, only in the daemon)", async () => {
    const port = await peers();
    const api = await poolApi((ip, _req, res) =>
      ip === "192.0.2.11" ? json(res, poolJson(ip, -100)) : json(res, '{"error":"not found"}', 404),
    );
    const ctx = await ctxAt();
    // a stand-in ntpctl printing recorded `ntpctl -s status` / `-s peers` output
    const ntpctl = join(ctx.stateDir, "ntpctl");
    const fix = join(__dirname, "fixtures");
    await writeFile(
      ntpctl,
      `#!${process.execPath}\nconst fs = require("fs"); process.stdout.write(fs.readFileSync(process.argv[3] === "status" ? ${JSON.stringify(join(fix, "openntpd-pool-status.txt"))} : ${JSON.stringify(join(fix, "openntpd-pool-peers.txt"))}, "utf8"));\n`,
      { mode: 0o755 },
    );
    const r = await job(port, api, ["--daemon", "openntpd", "--ntpctl", ntpctl, "--verbose"]).run(ctx);
    expect(r.status).toBe("critical");
    expect(r.summary).toMatch(/^NTP CRITICAL: peer 192\.0\.2\.11 \(openntpd's\) pool score -100 \(below -50; the pool has dropped it\)/);
    // every address the daemon and the poll use, once; IPv6 as the pool writes it
    expect(api.paths.sort()).toEqual(
      ["127.0.0.2", "127.0.0.3", "127.0.0.4", "192.0.2.10", "192.0.2.11", "2001:db8::7", "203.0.113.5"]
        .map((a) => `/scores/${a}/json?limit=1`)
        .sort(),
    );
    expect(r.details).toContain("pool [2001:db8::7] (openntpd's): not a pool member");
  });

  test("bad settings name their source", () => {
    expect(() => parseNtpCheckArgs(["--pool-score", "--pool-warn", "ten", "127.0.0.1"], {})).toThrow(
      'ntp-check: --pool-warn: not a score (a number like 10 or -50): "ten"',
    );
    expect(() => parseNtpCheckArgs(["--pool-score", "127.0.0.1"], { CHIME_NTP_POOL_CRIT: "20" })).toThrow(
      "ntp-check: CHIME_NTP_POOL_CRIT (environment): must not be above --pool-warn 10",
    );
    expect(() => parseNtpCheckArgs(["--pool-score", "--pool-url", "ftp://x", "127.0.0.1"], {})).toThrow(
      "ntp-check: --pool-url: not an http(s) URL",
    );
    expect(parseNtpCheckArgs(["127.0.0.1"], {}).poolScore).toBeNull();
    expect(parseNtpCheckArgs(["127.0.0.1"], { CHIME_NTP_POOL_SCORE: "yes" }).poolScore).toMatchObject({
      warn: 10,
      crit: -50,
      intervalMs: 1_800_000,
    });
  });
});
