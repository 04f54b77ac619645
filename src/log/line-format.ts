import { isSecretKey, REDACTED } from "./redact.js";

/**
 * The text line body after the stamp: `<level> <job> <message> key=value…`.
 *
 * One record is always exactly one line, and the line can be read back without doubt about
 * which part is chime's: a message is chime's own text, but it may carry a job's text (the
 * last line a command printed, a server's error), and a job could print `status=ok` or a
 * whole `run ok: … status=ok duration_s=1` line. So:
 * - a message containing `=` or a control character, or starting with `"`, is written as one
 *   JSON string, so nothing inside it reads as a field (fields are ` key=value` after it);
 * - a value that is not a plain word (spaces, `=`, quotes, anything non-ASCII) is a JSON string;
 * - a key is reduced to `[A-Za-z0-9_.-]`, so a key from job data cannot carry a space or `=`;
 * - every control character (C0, DEL, C1), the line and paragraph separators and the bidi
 *   controls are escaped as `\uXXXX` (`\n`, `\r`, `\t` for the common three): a line break
 *   would start an unstamped line (tai64nlocal crashes on a bad `@` label), a terminal escape
 *   would rewrite what the reader sees, a bidi override would reorder it.
 */

const PLAIN_VALUE = /^[\w.:/@+%,-]+$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = "\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069";
// eslint-disable-next-line no-control-regex
const CONTROL = new RegExp(`[${CONTROL_CHARS}]`, "g");
const NEEDS_QUOTES = new RegExp(`^"|[=${CONTROL_CHARS}]`);
const KEY_UNSAFE = /[^\w.-]/g;

function escapeControl(c: string): string {
  switch (c) {
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
    default:
      return "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
  }
}

/** Text with every control, separator and bidi character escaped; nothing else changed. */
export function escapeControls(text: string): string {
  CONTROL.lastIndex = 0;
  return CONTROL.test(text) ? text.replace(CONTROL, escapeControl) : text;
}

/** A JSON string literal with the controls JSON.stringify leaves alone (C1, bidi, U+2028) escaped too. */
export function quoteText(text: string): string {
  return escapeControls(JSON.stringify(text));
}

/** The message part of a text line: as it is when that is unambiguous, else one JSON string. */
export function formatMessage(msg: string): string {
  return NEEDS_QUOTES.test(msg) ? quoteText(msg) : msg;
}

export function formatValue(v: unknown): string {
  if (typeof v === "string") return v !== "" && PLAIN_VALUE.test(v) ? v : quoteText(v);
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint" || v === null) return String(v);
  if (v instanceof Error) return quoteText(v.message);
  try {
    return escapeControls(JSON.stringify(v) ?? String(v));
  } catch {
    return quoteText(String(v));
  }
}

/** A field name as written: only letters, digits, `_`, `.` and `-` (anything else becomes `_`). */
export function formatKey(key: string): string {
  return key === "" ? "_" : key.replace(KEY_UNSAFE, "_");
}

/** ` key=value` for each field, in insertion order; secrets by key name are never shown. */
export function formatFields(fields: object, skip?: ReadonlySet<string>): string {
  let out = "";
  for (const key in fields) {
    if (skip?.has(key)) continue;
    const v = (fields as Record<string, unknown>)[key];
    if (v === undefined || typeof v === "function") continue;
    out += " " + formatKey(key) + "=" + (isSecretKey(key) ? REDACTED : formatValue(v));
  }
  return out;
}
