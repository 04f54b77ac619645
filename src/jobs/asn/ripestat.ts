import { httpGet, type HttpGet, type HttpReply } from "../network/http-get.js";
import { NetworkReadError } from "../network/deadline.js";
import { SourceError, type AsFacts, type AsnAnswer, type AsnSource, type NotFound } from "./asn-answer.js";
import type { IpAddress } from "./ip-address.js";

/**
 * RIPEstat's Data API (stat.ripe.net/docs/data-api): REST/JSON, no key. Every answer is
 * `{"status": "ok", "status_code": 200, "data": {…}, "messages": […]}`; the calls used:
 *   network-info        data.asns (strings), data.prefix — the covering prefix and its origins
 *   as-overview         data.holder — the AS name
 *   rir-stats-country   data.located_resources[].location — the registry's country
 *   announced-prefixes  data.prefixes[].prefix — what an AS announces
 * Each request carries `sourceapp`, as RIPEstat asks of every regular user of the API.
 */
export const RIPESTAT_URL = "https://stat.ripe.net";

export interface RipeStatOptions {
  readonly baseUrl?: string;
  /** identifies us to RIPEstat */
  readonly sourceApp: string;
  /** per request, enforced by http-get.ts */
  readonly timeoutMs: number;
  /** the longest Retry-After we wait for after a 429 (longer: this source fails) */
  readonly maxRetryWaitMs?: number;
  /** 429s honoured per request before giving up */
  readonly maxRetries?: number;
  readonly get?: (o: HttpGet) => Promise<HttpReply>;
}

/** Bodies are small JSON documents; an AS's prefix list is the largest (AS-level, a few MB at most). */
const MAX_BODY_BYTES = 8 << 20;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Retry-After as delay-seconds or an HTTP-date (RFC 9110 §10.2.3), in ms from `nowMs`; null if unreadable. */
export function retryAfterMs(value: string | undefined, nowMs: number): number | null {
  if (value === undefined) return null;
  const t = value.trim();
  if (/^\d{1,9}$/.test(t)) return Number(t) * 1000;
  const at = Date.parse(t);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new SourceError("stopped"));
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener("abort", stop);
      resolve();
    }
    function stop(): void {
      clearTimeout(t);
      reject(new SourceError("stopped"));
    }
    signal?.addEventListener("abort", stop, { once: true });
  });
}

export class RipeStatSource implements AsnSource {
  readonly name = "ripestat" as const;
  private readonly base: string;

  constructor(private readonly o: RipeStatOptions) {
    this.base = (o.baseUrl ?? RIPESTAT_URL).replace(/\/+$/, "");
  }

  /** The `data` object of one call; SourceError on anything but a well-formed "ok". */
  private async call(endpoint: string, resource: string, signal?: AbortSignal): Promise<Json> {
    const url = `${this.base}/data/${endpoint}/data.json?resource=${encodeURIComponent(resource)}&sourceapp=${encodeURIComponent(this.o.sourceApp)}`;
    const maxRetries = this.o.maxRetries ?? 2;
    const maxWait = this.o.maxRetryWaitMs ?? 10_000;
    const get = this.o.get ?? httpGet;
    for (let attempt = 0; ; attempt++) {
      let reply: HttpReply;
      try {
        reply = await get({
          url,
          timeoutMs: this.o.timeoutMs,
          signal,
          maxBodyBytes: MAX_BODY_BYTES,
          headers: { accept: "application/json" },
        });
      } catch (err) {
        if (err instanceof NetworkReadError) throw new SourceError(err.message);
        throw err;
      }
      if (reply.status === 429) {
        const header = reply.headers["retry-after"];
        const delay = retryAfterMs(typeof header === "string" ? header : undefined, Date.now()) ?? 1000;
        if (attempt >= maxRetries) throw new SourceError(`${endpoint}: still rate-limited (429) after ${maxRetries} retries`);
        if (delay > maxWait)
          throw new SourceError(
            `${endpoint}: rate-limited (429), Retry-After ${Math.ceil(delay / 1000)} s is longer than ${maxWait / 1000} s`,
          );
        await wait(delay, signal);
        continue;
      }
      let doc: unknown;
      try {
        doc = JSON.parse(reply.body.toString("utf8"));
      } catch {
        throw new SourceError(`${endpoint}: HTTP ${reply.status}, not JSON`);
      }
      if (!isObject(doc)) throw new SourceError(`${endpoint}: HTTP ${reply.status}, not a RIPEstat answer`);
      if (reply.status !== 200 || doc.status !== "ok" || !isObject(doc.data)) {
        const msgs = Array.isArray(doc.messages) ? doc.messages.map((m) => (Array.isArray(m) ? m.join(": ") : String(m))).join("; ") : "";
        throw new SourceError(
          `${endpoint}: HTTP ${reply.status}, status ${JSON.stringify(doc.status)}${msgs ? ` (${msgs.slice(0, 200)})` : ""}`,
        );
      }
      return doc.data;
    }
  }

  private async holder(asn: number, signal?: AbortSignal): Promise<string | null> {
    const d = await this.call("as-overview", `AS${asn}`, signal);
    return typeof d.holder === "string" && d.holder !== "" ? d.holder : null;
  }

  private async country(resource: string, signal?: AbortSignal): Promise<string | null> {
    const d = await this.call("rir-stats-country", resource, signal);
    const located = Array.isArray(d.located_resources) ? d.located_resources : [];
    const first = located.find((r): r is Json => isObject(r) && typeof r.location === "string");
    return first ? (first.location as string) : null;
  }

  async lookup(ip: IpAddress, signal?: AbortSignal): Promise<AsnAnswer | NotFound> {
    const info = await this.call("network-info", ip.text, signal);
    const asns = Array.isArray(info.asns) ? info.asns : null;
    if (asns === null) throw new SourceError("network-info: no asns list in the answer");
    const origins = asns.map(Number).filter((n) => Number.isInteger(n) && n >= 0 && n <= 4_294_967_295);
    if (origins.length !== asns.length) throw new SourceError(`network-info: unreadable AS numbers ${JSON.stringify(asns).slice(0, 100)}`);
    if (origins.length === 0) return { kind: "not-found", address: ip.text, source: "ripestat" };
    const prefix = typeof info.prefix === "string" && info.prefix !== "" ? info.prefix : null;
    // The origin is the answer; the name and country only decorate it.
    const [asName, country] = await Promise.all([
      this.holder(origins[0]!, signal).catch(() => null),
      this.country(prefix ?? ip.text, signal).catch(() => null),
    ]);
    return { kind: "answer", address: ip.text, origins, prefix, country, registry: null, allocated: null, asName, source: "ripestat" };
  }

  async describeAs(asn: number, signal?: AbortSignal): Promise<AsFacts | null> {
    const [name, announced, country] = await Promise.all([
      this.holder(asn, signal),
      this.call("announced-prefixes", `AS${asn}`, signal),
      this.country(`AS${asn}`, signal).catch(() => null),
    ]);
    const list = Array.isArray(announced.prefixes) ? announced.prefixes : [];
    const prefixes = list.flatMap((p) => (isObject(p) && typeof p.prefix === "string" ? [p.prefix] : []));
    if (name === null && prefixes.length === 0) return null;
    return { asn, name, country, registry: null, allocated: null, prefixes };
  }
}
