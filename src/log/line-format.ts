import { isSecretKey, REDACTED } from "./redact.js";

/**
 * The text line body after the stamp: `<level> <job> <message> key=value…`.
 * One record is always exactly one line: newlines and other control characters in the
 * message are escaped (`\n`), values that are not plain words are JSON-quoted. That keeps
 * every line stamped (tai64nlocal crashes on a line starting with `@` that is not a label)
 * and keeps multilog patterns working on whole records.
 */

const PLAIN_VALUE = /^[\w.:/@+%,=-]+$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/g;

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

export function escapeMessage(msg: string): string {
  CONTROL.lastIndex = 0;
  return CONTROL.test(msg) ? msg.replace(CONTROL, escapeControl) : msg;
}

export function formatValue(v: unknown): string {
  if (typeof v === "string") return v !== "" && PLAIN_VALUE.test(v) ? v : JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint" || v === null) return String(v);
  if (v instanceof Error) return JSON.stringify(v.message);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return JSON.stringify(String(v));
  }
}

/** ` key=value` for each field, in insertion order; secrets by key name are never shown. */
export function formatFields(fields: object, skip?: ReadonlySet<string>): string {
  let out = "";
  for (const key in fields) {
    if (skip?.has(key)) continue;
    const v = (fields as Record<string, unknown>)[key];
    if (v === undefined || typeof v === "function") continue;
    out += " " + escapeMessage(key) + "=" + (isSecretKey(key) ? REDACTED : escapeMessage(formatValue(v)));
  }
  return out;
}
