import { setLongTimeout } from "../long-timer.js";

/**
 * Why a network read ended without an answer. `reason` lets callers word their own message
 * (a deadline is not a refusal) without parsing ours.
 */
export class NetworkReadError extends Error {
  override readonly name = "NetworkReadError";
  constructor(
    message: string,
    readonly reason: "timeout" | "aborted" | "too-large" | "redirect" | "network",
  ) {
    super(message);
  }
}

export function secondsText(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/**
 * Settles as `work` does, or rejects when `timeoutMs` passes or `signal` aborts, whichever
 * comes first; `stop` then runs so the caller can destroy its sockets. The deadline is our own
 * timer, not the client library's: a library whose abort does not reach a pending read (Node
 * 20's fetch with redirect "error") cannot hang the caller past it.
 */
export function settleWithin<T>(
  work: Promise<T>,
  o: { timeoutMs: number; signal?: AbortSignal | undefined },
  stop: () => void = () => {},
): Promise<T> {
  // A rejection after we gave up must not become an unhandled rejection.
  work.catch(() => {});
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const end = (): boolean => {
      if (done) return false;
      done = true;
      cancelTimer();
      o.signal?.removeEventListener("abort", onAbort);
      return true;
    };
    const giveUp = (err: NetworkReadError): void => {
      if (!end()) return;
      try {
        stop();
      } finally {
        reject(err);
      }
    };
    const onAbort = (): void => {
      const why: unknown = o.signal?.reason;
      const text = typeof why === "string" ? why : why instanceof Error && why.name !== "AbortError" ? why.message : "shutdown";
      giveUp(new NetworkReadError(`stopped (${text})`, "aborted"));
    };
    const cancelTimer = setLongTimeout(
      () => giveUp(new NetworkReadError(`no complete answer within ${secondsText(o.timeoutMs)}`, "timeout")),
      o.timeoutMs,
    );
    if (o.signal?.aborted) return onAbort();
    o.signal?.addEventListener("abort", onAbort, { once: true });
    work.then(
      (v) => end() && resolve(v),
      (e: unknown) => end() && reject(e),
    );
  });
}
