/**
 * The last line of defence against secrets in logs. Jobs are asked never to log a token, but a
 * remote URL in a git error message or a command line can still carry one, so every line is
 * passed through here before it reaches stdout, whatever its format.
 */

export const REDACTED = "[redacted]";

/** Field names whose values are never logged, whatever they hold. */
const SECRET_KEY = /^(?:.*[-_.])?(?:token|password|passwd|passphrase|secret|authorization|auth|api[-_]?key|cookie|credentials?)$/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/*
 * Patterns that mark a secret inside free text:
 * - the password part of URL user info (`https://user:PASSWORD@host`), and user info that is
 *   itself a token (`https://ghp_xxx@github.com`);
 * - GitHub token shapes (classic `ghp_…`, `gho_…`, fine-grained `github_pat_…`);
 * - `Authorization: Bearer …` / `Basic …` / `token …` headers;
 * - `key=value` query, option or environment pairs whose key ends in a secret word, and
 *   `--password VALUE` style options on a logged command line.
 */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]*):([^\s/@]*)@/gi;
/** user info without a password that looks like a token rather than a user name */
const URL_TOKEN_USER = /\b([a-z][a-z0-9+.-]*:\/\/)[A-Za-z0-9_-]{20,}@/gi;
const GITHUB_TOKEN = /\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,})/g;
const AUTH_HEADER =
  /\b(authorization\s*[:=]\s*(?:basic\s+|bearer\s+|token\s+)?|bearer\s+|token\s+)(?!\[redacted\])(?!-)[A-Za-z0-9._~+/=-]{8,}/gi;
/** any key that ends in a secret word: `password=`, `PGPASSWORD=`, `GITHUB_TOKEN=`, `db.secret=` */
const SECRET_PAIR =
  /\b([\w.-]*?(?:token|password|passwd|passphrase|secret|api[-_]?key)=)(?!\[redacted\])(?:\\"(?:[^"\\]|\\[^"])*\\"|"[^"]*"|'[^']*'|[^\s&"',;\\]+)/gi;
/** a command line's `--password VALUE`, `--api-key VALUE` (the `=` form is a SECRET_PAIR) */
const SECRET_OPTION =
  /(?<![\w-])(--?[\w-]*?(?:token|password|passwd|passphrase|secret|api[-_]?key)\s+)(?!\[redacted\])(?!-)(?:\\"(?:[^"\\]|\\[^"])*\\"|"[^"]*"|'[^']*'|[^\s"',;\\]+)/gi;
/** in JSON text: "token":"value" */
const SECRET_JSON_FIELD =
  /("(?:[^"\\]*[-_.])?(?:token|password|passwd|passphrase|secret|authorization|auth|api[-_]?key|cookie|credentials?)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi;

/** Cheap pre-check so that the common line (no URL, no secret words) costs one regex test. */
const MAYBE_SECRET = /:\/\/|gh[pousr]_|github_pat_|bearer|token|authorization|passw|secret|api.?key|cookie|credential|auth/i;

/**
 * `text` without the secrets the patterns below recognise, nor any of `secrets` (values the
 * caller knows, like the token it read: a server may echo one back in an error message, and
 * git may show it base64-encoded in an `Authorization: Basic` header as `x-access-token:TOKEN`).
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  const out = redactPatterns(text);
  return secrets.length === 0 ? out : redactLiterals(out, secrets);
}

/** Shorter "secrets" would blank out ordinary words. */
const MIN_SECRET_LENGTH = 4;

function redactLiterals(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length < MIN_SECRET_LENGTH) continue;
    out = out.split(s).join(REDACTED);
    out = out.split(Buffer.from(`x-access-token:${s}`).toString("base64")).join(REDACTED);
  }
  return out;
}

function redactPatterns(text: string): string {
  if (!MAYBE_SECRET.test(text)) return text;
  return text
    .replace(URL_USERINFO, (_m, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`)
    .replace(URL_TOKEN_USER, (_m, scheme: string) => `${scheme}${REDACTED}@`)
    .replace(GITHUB_TOKEN, REDACTED)
    .replace(AUTH_HEADER, (_m, prefix: string) => `${prefix}${REDACTED}`)
    .replace(SECRET_PAIR, (_m, prefix: string) => `${prefix}${REDACTED}`)
    .replace(SECRET_OPTION, (_m, prefix: string) => `${prefix}${REDACTED}`)
    .replace(SECRET_JSON_FIELD, (_m, prefix: string) => `${prefix}"${REDACTED}"`);
}

/**
 * A JSON log line (--log-format json). The text patterns above may span a JSON string's
 * closing quote and would break the line, so a suspicious line is parsed, every string in it
 * redacted on its own, values of secret keys replaced, and the line serialized again.
 */
export function redactJsonLine(line: string): string {
  if (!MAYBE_SECRET.test(line)) return line;
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    return redactText(line);
  }
  return JSON.stringify(redactValue(doc)) + (line.endsWith("\n") ? "\n" : "");
}

function redactValue(v: unknown): unknown {
  if (typeof v === "string") return redactText(v);
  if (Array.isArray(v)) return v.map(redactValue);
  if (typeof v !== "object" || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = isSecretKey(k) ? REDACTED : redactValue(x);
  return out;
}
