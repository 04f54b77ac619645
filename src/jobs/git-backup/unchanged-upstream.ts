import type { Environment } from "../job.js";
import { advertisable, advertisedRefs } from "./ref-advertisement.js";
import type { RefSnapshot } from "./ref-history.js";

// Asking costs a connection per mirror on top of the fetch when the upstream has changed. Once
// this many upstreams were asked and most had changed, the run stops asking.
const MIN_ASKED = 8;
// git:// and plain HTTP answer in one round trip; a host that takes longer is not worth waiting
// for when the fetch would ask it again anyway: a quarter of the fetch's limit, at most this
const ASK_TIMEOUT_MS = 10_000;
// 100 000 annotated tags advertise ~14 MB (each with its peeled line); a larger answer is
// not held (--concurrency of them could be at once): that mirror is fetched
const MAX_ADVERTISEMENT = 32 * 1024 * 1024;

// what git honours and Node's clients do not: with any of them set, git may reach the
// upstream by a way this reader cannot, so it does not ask
const HTTP_SETTINGS = /^(https?_proxy|all_proxy|GIT_SSL_NO_VERIFY|GIT_SSL_CAINFO|GIT_SSL_CAPATH|GIT_SSL_CERT|GIT_HTTP_PROXY_AUTHMETHOD)$/i;
const GIT_SETTINGS = /^GIT_PROXY_COMMAND$/;

// URL.origin is "null" for git://
const origin = (u: URL): string => `${u.protocol}//${u.host}`;

/** refs/heads and refs/tags equal, name for name and id for id */
function sameRefs(a: RefSnapshot, b: RefSnapshot): boolean {
  if (a.size !== b.size) return false;
  for (const [ref, oid] of a) if (b.get(ref) !== oid) return false;
  return true;
}

/**
 * Whether a mirror's fetch can be left out this run: its upstream advertises exactly the refs
 * the mirror holds under refs/heads and refs/tags, so `git fetch --prune` with the mirror's
 * refspecs would change nothing. Most mirrors of a backup are unchanged most runs, and reading
 * the advertisement costs a socket instead of a git process (and its share of a busy machine).
 *
 * Asked only where git would go the same way: git:// and http(s):// URLs without credentials,
 * no token for the host (the token travels to git only), no proxy or TLS setting in the
 * environment. An upstream that does not answer is not asked again this run (its fetch is
 * its own judge); one that answers something else just gets its fetch. A server that lies here
 * can only make chime fetch, or not fetch, what it serves: nothing is kept or dropped on its
 * word.
 */
export class UnchangedUpstreams {
  private asked = 0;
  private changed = 0;
  private stopped = false;
  /** origins that did not answer this run */
  private readonly silent = new Set<string>();
  private readonly httpAllowed: boolean;
  private readonly gitAllowed: boolean;
  private readonly timeoutMs: number;

  constructor(
    env: Environment,
    private readonly signal: AbortSignal,
    /** --timeout, each mirror's fetch limit */
    fetchTimeoutMs: number,
  ) {
    this.timeoutMs = Math.min(fetchTimeoutMs / 4, ASK_TIMEOUT_MS);
    const set = Object.keys(env).filter((k) => env[k] !== undefined && env[k] !== "");
    this.httpAllowed = !set.some((k) => HTTP_SETTINGS.test(k));
    this.gitAllowed = !set.some((k) => GIT_SETTINGS.test(k));
  }

  /** The URL to ask, where this run asks `url` at all. */
  askable(url: string): URL | undefined {
    if (this.stopped) return undefined;
    const u = advertisable(url);
    if (u === undefined || this.silent.has(origin(u))) return undefined;
    return (u.protocol === "git:" ? this.gitAllowed : this.httpAllowed) ? u : undefined;
  }

  /** True when `u` (from askable) advertises exactly `local`; false when it differs or does not say. */
  async match(u: URL, local: RefSnapshot): Promise<boolean> {
    // asked again: the run may have stopped asking, or this origin gone silent, meanwhile
    if (this.stopped || this.silent.has(origin(u))) return false;
    const a = await advertisedRefs(u, { timeoutMs: this.timeoutMs, signal: this.signal, maxBytes: MAX_ADVERTISEMENT });
    if (a.kind === "failed") this.silent.add(origin(u));
    if (a.kind !== "refs") return false;
    this.asked++;
    if (sameRefs(a.refs, local)) return true;
    this.changed++;
    if (this.asked >= MIN_ASKED && this.changed * 2 > this.asked) this.stopped = true;
    return false;
  }
}
