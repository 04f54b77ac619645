/**
 * A plain name in a list line's bytes: one that needs nothing but ASCII lower-casing and one
 * trailing dot removed, and passes normaliseName's checks (dns-name.ts) as it is. It is found,
 * checked and measured in one pass forward, with the line's end; NameTable.addPlain then copies
 * it into a key. Anything else (non-ASCII and xn-- labels, which IDNA maps; blanks, comments,
 * bad characters, too long, one label, an all-digit top label) is left to the general path.
 */

const DOT = 0x2e;
const HYPHEN = 0x2d;
const UNDERSCORE = 0x5f;
/** a line's end: LF, or CR LF (and a lone CR in the few places lists use it) */
export const LF = 0x0a;
export const CR = 0x0d;
// What each byte is: a table lookup in place of a chain of range tests. Bits, so that a label's
// bytes OR'ed together tell at once whether it has upper case or a letter at all.
const DIGIT = 1;
const LABEL_BYTE = 2;
const UPPER = 4;
const DOT_BYTE = 8;
const BYTE_CLASS = new Uint8Array(256);
/** each byte lower-cased (ASCII letters only) */
export const LOWER = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const upper = c >= 0x41 && c <= 0x5a;
  LOWER[c] = upper ? c | 0x20 : c;
  if (c >= 0x30 && c <= 0x39) BYTE_CLASS[c] = DIGIT;
  else if (upper) BYTE_CLASS[c] = LABEL_BYTE | UPPER;
  else if ((c >= 0x61 && c <= 0x7a) || c === HYPHEN || c === UNDERSCORE) BYTE_CLASS[c] = LABEL_BYTE;
}
BYTE_CLASS[DOT] = DOT_BYTE;

// RFC 1035 §2.3.4, as normaliseName (dns-name.ts) applies them
const MAX_LABEL = 63;
const MAX_NAME = 253;
// a name of 253 bytes has at most 127 labels
const MAX_LABELS = 127;

/**
 * Whether text[start, end) can be a label as it is: 1 to 63 bytes, no hyphen at either end, and
 * not xn-- in any case (punycode, which only domainToASCII may let through).
 */
function labelFits(text: Uint8Array, start: number, end: number): boolean {
  const length = end - start;
  if (length === 0 || length > MAX_LABEL) return false;
  if (text[start] === HYPHEN || text[end - 1] === HYPHEN) return false;
  return !(
    length >= 4 &&
    text[start + 2] === HYPHEN &&
    text[start + 3] === HYPHEN &&
    (text[start]! | 0x20) === 0x78 &&
    (text[start + 1]! | 0x20) === 0x6e
  );
}

/** The last plain name read: reused from line to line. */
export class PlainName {
  /** where the dots between its labels are: dots[0, labels) */
  readonly dots = new Int32Array(MAX_LABELS + 1);
  /** its dots (one less than its labels) */
  labels = 0;
  /** where it ends (before a trailing dot) */
  to = 0;
  /** whether it has upper case */
  upper = false;

  /**
   * Reads the name at `text[from…]` up to the line's end (a line feed, CR LF, or `stop`; a CR
   * last in the text included). Returns the position after the line's end if it is a plain
   * name, else -1. `terminator`: a byte that must follow the name, before the line's end
   * (Adblock's `^`).
   */
  read(text: Uint8Array, from: number, stop: number, terminator = -1): number {
    const dots = this.dots;
    let labels = 0;
    let labelStart = from;
    let seen = 0;
    let all = 0;
    let i = from;
    for (; i < stop; i++) {
      const k = BYTE_CLASS[text[i]!]!;
      if (k === DOT_BYTE) {
        if (!labelFits(text, labelStart, i) || labels === MAX_LABELS) return -1;
        dots[labels++] = i;
        labelStart = i + 1;
        seen = 0;
      } else if (k === 0) break;
      else {
        seen |= k;
        all |= k;
      }
    }
    let next = i;
    if (terminator >= 0) {
      if (i === stop || text[i] !== terminator) return -1;
      next = i + 1;
    }
    // the line's end: a line feed, CR LF, or the end of the text (a CR last in it included)
    if (next < stop) {
      const c = text[next]!;
      if (c === LF) next += 1;
      else if (c === CR && (next + 1 === stop || text[next + 1] === LF)) next = Math.min(stop, next + 2);
      else return -1;
    }
    let to = i;
    // one trailing dot: the last label is then the one before it
    if (labelStart === i && labels > 0) {
      to = i - 1;
      labels--;
      labelStart = labels > 0 ? dots[labels - 1]! + 1 : from;
      seen = 0;
      for (let j = labelStart; j < to; j++) seen |= BYTE_CLASS[text[j]!]!;
    }
    const n = to - from;
    // the top label: not the only one, and not digits only (an address)
    if (n === 0 || n > MAX_NAME || labels === 0 || (seen & LABEL_BYTE) === 0 || !labelFits(text, labelStart, to)) return -1;
    this.labels = labels;
    this.to = to;
    this.upper = (all & UPPER) !== 0;
    return next;
  }
}
