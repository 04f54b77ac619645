import { domainToASCII } from "node:url";

/** Why an entry of a list was not taken; names the bad value. */
export interface Refusal {
  readonly reason: string;
}

export const refusal = (reason: string): Refusal => ({ reason });

export const isRefusal = (v: string | Refusal): v is Refusal => typeof v !== "string";

// RFC 1035 §2.3.4: 63 octets a label, 255 a name on the wire; 253 is the longest text form
// without the trailing dot.
const MAX_LABEL = 63;
const MAX_NAME = 253;

const DOT = 0x2e;
const HYPHEN = 0x2d;
const UNDERSCORE = 0x5f;

/** A character for a message: printable as itself, anything else as \xNN / \uNNNN. */
function shown(c: number): string {
  return c > 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\u${c.toString(16).padStart(4, "0")}`;
}

/** The text of a value in a reason: quoted and escaped, and short. */
export function quoted(raw: string): string {
  return JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}…` : raw);
}

/**
 * A name as written in a list → the name unbound is given: lower case, IDNs as punycode
 * (WHATWG domainToASCII, which also checks xn-- labels decode), one trailing dot removed.
 *
 * Accepted labels are 1–63 of [a-z0-9_-], not starting or ending with a hyphen (RFC 1123 §2.1
 * host names, plus the underscore that real lists carry in service-style labels). That alphabet is
 * what makes a name safe inside `local-zone: "NAME." …`: no quote, backslash, blank, control
 * character or `#` can reach the unbound configuration. A name needs two labels at least (one
 * label would block a whole top-level domain, and `localhost`-style boilerplate of hosts files is
 * single-label) and a top-level label that is not all digits (that is an address, not a name).
 */
export function normaliseName(raw: string): string | Refusal {
  let name = raw.charCodeAt(raw.length - 1) === DOT ? raw.slice(0, -1) : raw;
  // Lists are nearly all lower-case ASCII: that is checked in one pass, and only names with
  // upper case, non-ASCII or xn-- labels take the mapping path.
  let why = nameProblem(name, false);
  if (why === MAPPING) {
    let wide = false;
    for (let i = 0; i < name.length && !wide; i++) wide = name.charCodeAt(i) >= 0x80;
    if (!wide) name = name.toLowerCase();
    if (wide || name.includes("xn--")) {
      const ascii = domainToASCII(name);
      if (ascii === "") return refusal(`not a valid internationalised name: ${quoted(raw)}`);
      name = ascii.charCodeAt(ascii.length - 1) === DOT ? ascii.slice(0, -1) : ascii;
    }
    why = nameProblem(name, true);
  }
  return why === undefined ? name : refusal(`${why}: ${quoted(raw)}`);
}

/** nameProblem's answer for a name that needs lower-casing or IDNA mapping first */
const MAPPING = "needs mapping";

/**
 * What is wrong with a name, or undefined when it may be blocked as it is; MAPPING when it has
 * upper case, non-ASCII or an xn-- label and `mapped` is false.
 */
function nameProblem(name: string, mapped: boolean): string | undefined {
  if (name.length === 0) return "empty name";
  if (name.length > MAX_NAME) return `name longer than ${MAX_NAME} characters`;
  let labelStart = 0;
  let labels = 0;
  let digitsOnly = true;
  for (let i = 0; i <= name.length; i++) {
    const c = i === name.length ? DOT : name.charCodeAt(i);
    if (c === DOT) {
      const length = i - labelStart;
      if (length === 0) return "empty label";
      if (length > MAX_LABEL) return `label longer than ${MAX_LABEL} characters`;
      if (name.charCodeAt(labelStart) === HYPHEN || name.charCodeAt(i - 1) === HYPHEN) return "label starts or ends with a hyphen";
      // xn--: punycode, which domainToASCII checks
      if (
        !mapped &&
        length >= 4 &&
        name.charCodeAt(labelStart + 2) === HYPHEN &&
        name.charCodeAt(labelStart + 3) === HYPHEN &&
        name.startsWith("xn", labelStart)
      )
        return MAPPING;
      labels++;
      labelStart = i + 1;
      if (i < name.length) digitsOnly = true;
      continue;
    }
    if (c >= 0x30 && c <= 0x39) continue;
    digitsOnly = false;
    if ((c >= 0x61 && c <= 0x7a) || c === HYPHEN || c === UNDERSCORE) continue;
    if (!mapped && (c >= 0x80 || (c >= 0x41 && c <= 0x5a))) return MAPPING;
    return `character ${shown(c)} not allowed in a name`;
  }
  if (labels < 2) return "a single label (that would block a whole top-level domain)";
  if (digitsOnly) return "all-digit top-level label (an address, not a name)";
  return undefined;
}

/**
 * `*.example.com` → `example.com`: lists write a subtree that way, and a blocked name's subtree is
 * what unbound's local-zone blocks anyway (the parent itself included).
 */
export function withoutWildcard(raw: string): string {
  return raw.startsWith("*.") ? raw.slice(2) : raw;
}

/**
 * Canonical DNS name order (RFC 4034 §6.1) of two normalised names: by the last label, then
 * the one before it, …; labels compared as octet strings, a name that runs out of labels
 * first sorts first. The order of a Decision's names.
 */
export function compareNames(a: string, b: string): number {
  let ea = a.length;
  let eb = b.length;
  while (ea >= 0 && eb >= 0) {
    const sa = a.lastIndexOf(".", ea - 1);
    const sb = b.lastIndexOf(".", eb - 1);
    const la = a.slice(sa + 1, ea);
    const lb = b.slice(sb + 1, eb);
    if (la !== lb) return la < lb ? -1 : 1;
    ea = sa;
    eb = sb;
  }
  return ea < 0 ? (eb < 0 ? 0 : -1) : 1;
}
