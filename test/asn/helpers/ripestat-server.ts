import type { ServerResponse } from "node:http";
import { serveHttp, type LoopbackHttp } from "../../helpers/loopback-http.js";

/**
 * A local stand-in for stat.ripe.net speaking the documented Data API envelope
 * (stat.ripe.net/docs/data-api: {"status": "ok", "status_code": 200, "data": {…}}) for the four
 * calls chime makes. `plan` may override any answer: a 429, an error envelope, garbage.
 */
export interface RipeStatData {
  networkInfo?: Record<string, { asns: string[]; prefix: string }>;
  holders?: Record<string, string>;
  countries?: Record<string, string>;
  announced?: Record<string, string[]>;
}

export type Override = (endpoint: string, resource: string, res: ServerResponse, count: number) => boolean;

function envelope(call: string, data: unknown): string {
  return JSON.stringify({
    messages: [],
    see_also: [],
    version: "1.1",
    data_call_name: call,
    data_call_status: "supported",
    cached: false,
    status: "ok",
    status_code: 200,
    data,
  });
}

export async function serveRipeStat(d: RipeStatData, override?: Override): Promise<LoopbackHttp> {
  let count = 0;
  return serveHttp((req, res) => {
    const u = new URL(req.url ?? "/", "http://x");
    const endpoint = /^\/data\/([a-z-]+)\/data\.json$/.exec(u.pathname)?.[1] ?? "";
    const resource = u.searchParams.get("resource") ?? "";
    count++;
    if (override?.(endpoint, resource, res, count)) return;
    let data: unknown;
    if (endpoint === "network-info") data = d.networkInfo?.[resource] ?? { asns: [], prefix: "" };
    else if (endpoint === "as-overview")
      data = {
        type: "as",
        resource: resource.replace(/^AS/, ""),
        holder: d.holders?.[resource] ?? "",
        announced: true,
        block: { resource: "1-65535", desc: "x", name: "x" },
      };
    else if (endpoint === "rir-stats-country")
      data = {
        located_resources: d.countries?.[resource] ? [{ resource, location: d.countries[resource] }] : [],
        result_time: "2026-11-30T00:00:00",
        parameters: { resource },
      };
    else if (endpoint === "announced-prefixes")
      data = {
        resource,
        prefixes: (d.announced?.[resource] ?? []).map((prefix) => ({
          prefix,
          timelines: [{ starttime: "2026-11-16T00:00:00", endtime: "2026-11-30T00:00:00" }],
        })),
      };
    else {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: "error", status_code: 404, messages: [["error", "no such data call"]], data: {} }));
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(envelope(endpoint, data));
  });
}
