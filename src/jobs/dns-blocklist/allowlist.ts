import { isRefusal, normaliseName } from "./dns-name.js";
import { ListCollector, type InvalidLine } from "./list-collector.js";

/** Names that must not be blocked: exactly, or with everything below them. */
export interface Allowlist {
  /** `example.com`: that name only */
  readonly exact: readonly string[];
  /** `*.example.com` or `.example.com`: the name and every name below it */
  readonly subtrees: readonly string[];
}

export const EMPTY_ALLOWLIST: Allowlist = { exact: [], subtrees: [] };

export interface ParsedAllowlist {
  readonly allowlist: Allowlist;
  readonly invalid: number;
  readonly firstInvalid: InvalidLine[];
}

/**
 * The `--allow FILE` format: one name a line, `*.name` or `.name` for a subtree, `#` comments.
 * Entries go through the same name check as blocklist entries, so an allowlist entry can only
 * name something a list could have blocked.
 */
export function parseAllowlist(text: string): ParsedAllowlist {
  const c = new ListCollector();
  const exact: string[] = [];
  const subtrees: string[] = [];
  const lines = text.replace(/^\ufeff/, "").split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/(^|\s)#.*$/, "").trim();
    if (line === "") continue;
    c.line = i + 1;
    c.text = line;
    const subtree = line.startsWith("*.") || line.startsWith(".");
    const name = normaliseName(line.slice(line.startsWith("*.") ? 2 : line.startsWith(".") ? 1 : 0));
    if (isRefusal(name)) c.refuse(name.reason);
    else (subtree ? subtrees : exact).push(name);
  }
  return { allowlist: { exact, subtrees }, invalid: c.invalid, firstInvalid: c.firstInvalid };
}
