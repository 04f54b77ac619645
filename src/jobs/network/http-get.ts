import type { ClientRequest, IncomingHttpHeaders, IncomingMessage } from "node:http";
import { NetworkReadError, secondsText, settleWithin } from "./deadline.js";

/**
 * One GET (or a POST, httpPost) over node:http/https with limits the caller can rely on. Used by
 * every job that reads an HTTP API or downloads a list: the GitHub listing, blocklist downloads,
 * JSON APIs, dead-man's-switch pings.
 */
export interface HttpGet {
  url: string;
  headers?: Readonly<Record<string, string>>;
  /** for the whole exchange (connect, headers, body, every redirect), enforced by our own timer */
  timeoutMs: number;
  /** aborting it ends the request at once (the socket is destroyed) */
  signal?: AbortSignal | undefined;
  /** a larger body (declared or received) is refused without reading the rest */
  maxBodyBytes: number;
  /** default 5 */
  maxRedirects?: number;
  /** default: only redirects that stay on the first URL's origin (scheme, host and port) */
  allowRedirect?: (from: URL, to: URL) => boolean;
  /** validators from an earlier answer: a 304 then means "what you have is current" */
  validators?: Validators | undefined;
}

export interface Validators {
  etag?: string | undefined;
  lastModified?: string | undefined;
}

export interface HttpReply {
  /** any status the server sent (304 included), except a redirect that was followed */
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** the URL that answered, after redirects */
  url: string;
  /** for the next conditional request */
  validators: Validators;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const SECRET_PARAM = /token|key|secret|sig|pass|auth|code/i;

/** A URL fit for logs and error messages: no userinfo, secret-looking query values hidden. */
export function urlForMessages(url: string | URL): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "(not a URL)";
  }
  for (const [k] of u.searchParams) if (SECRET_PARAM.test(k)) u.searchParams.set(k, "REDACTED");
  return `${u.origin}${u.pathname}${u.search}`;
}

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return typeof v === "string" ? v : undefined;
}

/**
 * GETs `o.url`. Resolves with the reply for any final status; rejects with NetworkReadError
 * (message naming the URL without secrets) on a deadline, an abort, a body over the limit, a
 * refused redirect or a broken connection.
 */
export function httpGet(o: HttpGet): Promise<HttpReply> {
  return exchangeWithin("GET", o, undefined);
}

export interface HttpPost extends Omit<HttpGet, "validators" | "maxRedirects" | "allowRedirect"> {
  body: string | Buffer;
  /** default text/plain; charset=utf-8 */
  contentType?: string;
}

/**
 * POSTs `o.body` to `o.url`, with the same deadline, size limit and secret-free messages as a
 * GET. A redirect is not followed (a POST must not turn into a GET somewhere else): it is
 * refused as a NetworkReadError with reason "redirect".
 */
export function httpPost(o: HttpPost): Promise<HttpReply> {
  const body = typeof o.body === "string" ? Buffer.from(o.body, "utf8") : o.body;
  const headers = { "content-type": o.contentType ?? "text/plain; charset=utf-8", "content-length": String(body.length), ...o.headers };
  return exchangeWithin("POST", { ...o, headers, maxRedirects: 0 }, body);
}

function exchangeWithin(method: "GET" | "POST", o: HttpGet, requestBody: Buffer | undefined): Promise<HttpReply> {
  const first = new URL(o.url);
  const shown = urlForMessages(first);
  let current: ClientRequest | undefined;
  let currentRes: IncomingMessage | undefined;
  const fail = (what: string, reason: NetworkReadError["reason"]): NetworkReadError =>
    new NetworkReadError(`${method} ${shown}: ${what}`, reason);

  const send = (url: URL, headers: Record<string, string>): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      if (url.protocol !== "http:" && url.protocol !== "https:")
        return reject(fail(`not an http(s) URL: ${urlForMessages(url)}`, "network"));
      // agent: false: a fresh connection that closes after the answer, so no pooled socket
      // outlives the run or keeps the process alive.
      // loaded at the first request, not at start: node:https brings TLS and node:crypto, ~15 ms
      // of CPU for every `chime git-backup` that lists no forge (and a service's resident size)
      const { request } = process.getBuiltinModule(url.protocol === "https:" ? "node:https" : "node:http");
      const req = request(url, { method, headers, agent: false }, (res) => {
        currentRes = res;
        resolve(res);
      });
      current = req;
      req.on("error", (err: NodeJS.ErrnoException) => reject(fail(`connection failed (${err.code ?? err.message})`, "network")));
      req.end(requestBody);
    });

  const readBody = (res: IncomingMessage): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const tooLarge = (): NetworkReadError => fail(`answer larger than ${o.maxBodyBytes} bytes: refused`, "too-large");
      const declared = Number(header(res.headers, "content-length"));
      if (Number.isFinite(declared) && declared > o.maxBodyBytes) {
        res.destroy();
        return reject(tooLarge());
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let ended = false;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > o.maxBodyBytes) {
          res.destroy();
          reject(tooLarge());
        } else chunks.push(c);
      });
      res.on("end", () => {
        ended = true;
        resolve(Buffer.concat(chunks, size));
      });
      const cut = (why: string): void => reject(fail(`connection lost before the answer was complete (${why})`, "network"));
      res.on("error", (err: NodeJS.ErrnoException) => cut(err.code ?? err.message));
      res.on("close", () => ended || cut("closed"));
    });

  const exchange = async (): Promise<HttpReply> => {
    const maxRedirects = o.maxRedirects ?? 5;
    const allow = o.allowRedirect ?? ((from: URL, to: URL) => from.origin === to.origin);
    let url = first;
    const headers: Record<string, string> = { ...o.headers };
    if (o.validators?.etag !== undefined) headers["if-none-match"] = o.validators.etag;
    if (o.validators?.lastModified !== undefined) headers["if-modified-since"] = o.validators.lastModified;
    for (let hops = 0; ; hops++) {
      const res = await send(url, headers);
      const location = header(res.headers, "location");
      if (REDIRECTS.has(res.statusCode ?? 0) && location !== undefined) {
        res.destroy();
        if (method === "POST") throw fail(`answered with a redirect (${res.statusCode}), not followed for a POST`, "redirect");
        if (hops >= maxRedirects) throw fail(`more than ${maxRedirects} redirects (a loop?): refused`, "redirect");
        let to: URL;
        try {
          to = new URL(location, url);
        } catch {
          throw fail(`redirect to an unreadable location: refused`, "redirect");
        }
        if ((to.protocol !== "http:" && to.protocol !== "https:") || !allow(first, to)) {
          throw fail(`redirect to ${urlForMessages(to)} leaves ${first.origin}: refused`, "redirect");
        }
        // Credentials were meant for the first origin only.
        if (to.origin !== first.origin) for (const k of Object.keys(headers)) if (/^(authorization|cookie)$/i.test(k)) delete headers[k];
        url = to;
        continue;
      }
      const body = await readBody(res);
      return {
        status: res.statusCode ?? 0,
        headers: res.headers,
        body,
        url: url.href,
        validators: { etag: header(res.headers, "etag"), lastModified: header(res.headers, "last-modified") },
      };
    }
  };

  return settleWithin(exchange(), o, () => {
    currentRes?.destroy();
    current?.destroy();
  }).catch((err: unknown) => {
    if (
      err instanceof NetworkReadError &&
      (err.reason === "timeout" || err.reason === "aborted") &&
      !err.message.startsWith(`${method} `)
    ) {
      throw fail(err.reason === "timeout" ? `no complete answer within ${secondsText(o.timeoutMs)}` : err.message, err.reason);
    }
    throw err;
  });
}
