import type { Logger } from "pino";
import { setLongTimeout } from "../jobs/long-timer.js";
import { NetworkReadError } from "../jobs/network/deadline.js";

/**
 * --ping URL: a dead-man's switch speaking the healthchecks.io pinging protocol, so a
 * self-hosted Healthchecks (or any compatible endpoint) notices a job that fails, and one that
 * stops running at all:
 *   URL/start          a run started
 *   URL                it ended ok
 *   URL/<exit status>  it ended with that status (0–255; non-zero is a failure)
 *   URL/fail           it failed with no exit status of its own (ntp-check, git-backup, a timeout)
 * Each ping carries `rid` (one UUID per run) so the endpoint pairs start and end and measures
 * the run's duration, and end pings carry the tail of the job's output as the body.
 *
 * A ping never delays the schedule (the caller does not wait for it), never fails the job, and
 * never logs the URL's secret part: a ping URL is a credential (whoever has it can report
 * success), so logs show its origin only.
 */

export type PingKind = "start" | "success" | "fail" | number;

/** each attempt's deadline, as curl -m 10 in the healthchecks docs */
const ATTEMPT_TIMEOUT_MS = 10_000;
/** attempts per ping; the waits between them double from RETRY_BASE_MS (curl --retry's 1 s, 2 s) */
const ATTEMPTS = 3;
const RETRY_BASE_MS = 1000;
/** healthchecks answers "OK"; anything larger is not an answer we read */
const MAX_ANSWER_BYTES = 4096;
/** pings waiting behind a slow endpoint: beyond this the oldest are dropped, never the memory */
const MAX_QUEUED = 8;

/** What a log line may say about a ping URL: where it goes, never its path (the check's key). */
export function pingTarget(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return "(not a URL)";
  }
}

/** Why `url` cannot be a ping URL, in words that do not repeat it; undefined: it can. */
export function pingUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "not a URL (expected http:// or https://…)";
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return `not an http(s) URL (${u.protocol})`;
  return undefined;
}

/** The URL of one ping: the suffix goes on the path, `rid` into the query (kept as given). */
export function pingUrl(base: string, kind: PingKind, rid: string): string {
  const u = new URL(base);
  const suffix = kind === "success" ? "" : `/${kind}`;
  u.pathname = u.pathname.replace(/\/+$/, "") + suffix;
  u.searchParams.set("rid", rid);
  return u.href;
}

/** Transient answers worth another attempt, the ones curl --retry retries. */
function transient(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

async function newRunId(): Promise<string> {
  const { randomUUID } = await import("node:crypto");
  return randomUUID();
}

export class HealthPing {
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  /**
   * The run's id. node:crypto is loaded on the first ping, not with the daemon: an idle service
   * without --ping does not carry it (test/cli/service-idle-footprint.test.ts).
   */
  private rid: Promise<string> = newRunId();

  constructor(
    private readonly url: string,
    private readonly log: Logger,
    /** aborted when chime stops: a ping in flight or waiting ends at once */
    private readonly stop: AbortSignal,
  ) {}

  /** A run starts: a fresh run id for its pings. */
  start(): void {
    this.rid = newRunId();
    this.send("start", "");
  }

  end(kind: Exclude<PingKind, "start">, body: string): void {
    this.send(kind, body);
  }

  private send(kind: PingKind, body: string): void {
    if (this.queued >= MAX_QUEUED) {
      this.log.warn({ ping: pingTarget(this.url), kind: String(kind) }, "ping dropped: earlier pings are still waiting for the endpoint");
      return;
    }
    this.queued++;
    const rid = this.rid;
    // in order: an end ping must not overtake its start ping
    this.queue = this.queue.then(async () => this.deliver(pingUrl(this.url, kind, await rid), kind, body)).finally(() => this.queued--);
  }

  private async deliver(url: string, kind: PingKind, body: string): Promise<void> {
    // loaded with the first ping: node:https brings TLS and node:crypto, which a service
    // without --ping must not carry (test/cli/service-idle-footprint.test.ts)
    const { httpPost } = await import("../jobs/network/http-get.js");
    const target = pingTarget(this.url);
    let why = "";
    for (let n = 1; n <= ATTEMPTS && !this.stop.aborted; n++) {
      try {
        const reply = await httpPost({ url, body, timeoutMs: ATTEMPT_TIMEOUT_MS, maxBodyBytes: MAX_ANSWER_BYTES, signal: this.stop });
        if (reply.status >= 200 && reply.status < 300) return;
        why = `HTTP ${reply.status}`;
        if (!transient(reply.status)) break;
      } catch (e) {
        if (!(e instanceof NetworkReadError)) {
          why = e instanceof Error ? e.message : String(e);
          break;
        }
        // the message names the URL with its path: ours names the origin only
        why =
          e.reason === "timeout"
            ? `no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s`
            : e.reason === "redirect"
              ? "answered with a redirect"
              : e.reason === "aborted"
                ? "stopped"
                : "connection failed";
        if (e.reason === "aborted" || e.reason === "redirect") break;
      }
      if (n < ATTEMPTS && !(await this.wait(RETRY_BASE_MS * 2 ** (n - 1)))) break;
    }
    this.log.warn({ ping: target, kind: String(kind), error: why }, "ping not delivered; the job's result stands");
  }

  /** false when chime stops meanwhile */
  private wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.stop.aborted) return resolve(false);
      const onStop = (): void => {
        cancel();
        resolve(false);
      };
      const cancel = setLongTimeout(() => {
        this.stop.removeEventListener("abort", onStop);
        resolve(true);
      }, ms);
      this.stop.addEventListener("abort", onStop, { once: true });
    });
  }
}
