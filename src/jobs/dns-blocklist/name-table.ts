import type { PackedKeys } from "./key-sort.js";
import { memoryFor } from "./helper-jobs.js";
import { keepLoaded } from "./prefetch.js";

/**
 * Every name of a run, packed: one byte array holds them all, one after another, each written
 * as its sort key; no JavaScript string is made for a name on the way from the list's text to
 * the unbound include. A million names as strings cost ~60 MB of heap and a string per name for
 * the collector to hold; packed, their bytes and 6 bytes of bookkeeping each.
 *
 * The key of a name is its labels from the last to the first, joined by BOUNDARY, a byte below
 * every name character: byte order of keys is then the canonical DNS name order of RFC 4034 §6.1
 * (by the rightmost label first; labels as octet strings, the absence of an octet before any
 * octet), and a name's subtree follows it as one run: "com example" then "com example ads", and
 * only then "com example-ads". A key is as long as its name.
 */
export const BOUNDARY = 0x01;

/** What an entry says of its name and its subtree. */
export const BLOCK = 1;
/** an allowlist entry for the name only */
export const EXACT = 2;
/** an allowlist subtree, or a list's exception (`@@||x^`): the name and all below it */
export const SUBTREE = 4;
export type EntryKind = typeof BLOCK | typeof EXACT | typeof SUBTREE;

const DOT = 0x2e;
const HYPHEN = 0x2d;
const UNDERSCORE = 0x5f;
// What addText makes of each byte: a table lookup in place of a chain of range tests. Bits, so
// that a label's bytes OR'ed together tell at once whether it has upper case or a letter at all.
const DIGIT = 1;
const LABEL_BYTE = 2;
const UPPER = 4;
const DOT_BYTE = 8;
const BYTE_CLASS = new Uint8Array(256);
const LOWER = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const upper = c >= 0x41 && c <= 0x5a;
  LOWER[c] = upper ? c | 0x20 : c;
  if (c >= 0x30 && c <= 0x39) BYTE_CLASS[c] = DIGIT;
  else if (upper) BYTE_CLASS[c] = LABEL_BYTE | UPPER;
  else if ((c >= 0x61 && c <= 0x7a) || c === HYPHEN || c === UNDERSCORE) BYTE_CLASS[c] = LABEL_BYTE;
}
BYTE_CLASS[DOT] = DOT_BYTE;

// writeName's check when its caller has none
const ANY_BYTE = new Uint8Array(256).fill(1);

// RFC 1035 §2.3.4, as normaliseName (dns-name.ts) applies them
const MAX_LABEL = 63;
const MAX_NAME = 253;

/** A table's arrays, as they go to another thread. */
export interface TableArrays {
  readonly bytes: Uint8Array;
  readonly start: Uint32Array;
  readonly length: Uint8Array;
  readonly kind: Uint8Array;
  readonly count: number;
}

export class NameTable implements PackedKeys {
  bytes: Uint8Array;
  start: Uint32Array;
  length: Uint8Array;
  kind: Uint8Array;
  /** entries in use */
  count = 0;
  /** entries that are not BLOCK (allowlist entries, exceptions): none in most runs */
  notBlocking = 0;
  /** bytes in use */
  private used = 0;

  /**
   * `bytesHint`: roughly how many name bytes are coming (the lists' sizes are a fair bound).
   * `shared`: the table lives on shared memory, for the run's helper thread to read
   * (helper-thread.ts).
   */
  constructor(
    bytesHint = 4096,
    private readonly shared = false,
  ) {
    const names = Math.max(64, Math.ceil(bytesHint / 16));
    this.bytes = new Uint8Array(this.memory(Math.max(256, bytesHint)));
    this.start = new Uint32Array(this.memory(names * 4));
    this.length = new Uint8Array(this.memory(names));
    this.kind = new Uint8Array(this.memory(names));
  }

  /** The table another thread made, from its arrays (the helper thread reads them so). */
  static over(arrays: TableArrays): NameTable {
    const t = new NameTable(0);
    t.bytes = arrays.bytes;
    t.start = arrays.start;
    t.length = arrays.length;
    t.kind = arrays.kind;
    t.count = arrays.count;
    return t;
  }

  /** The arrays, for another thread: on shared memory if the table is shared, else copied there. */
  arrays(): TableArrays {
    return { bytes: this.bytes, start: this.start, length: this.length, kind: this.kind, count: this.count };
  }

  private memory(size: number): ArrayBufferLike {
    return memoryFor(size, this.shared);
  }

  /** Room for one more entry of up to `n` bytes. */
  private reserve(n: number): void {
    if (this.used + n > this.bytes.length) {
      const grown = new Uint8Array(this.memory(Math.max(this.bytes.length * 2, this.used + n)));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    if (this.count === this.start.length) {
      const size = this.start.length * 2;
      const start = new Uint32Array(this.memory(size * 4));
      start.set(this.start);
      this.start = start;
      const length = new Uint8Array(this.memory(size));
      length.set(this.length);
      this.length = length;
      const kind = new Uint8Array(this.memory(size));
      kind.set(this.kind);
      this.kind = kind;
    }
  }

  private commit(n: number, kind: EntryKind): void {
    this.start[this.count] = this.used;
    this.length[this.count] = n;
    this.kind[this.count] = kind;
    if (kind !== BLOCK) this.notBlocking++;
    this.count++;
    this.used += n;
  }

  /**
   * Adds a name checked by normaliseName: every way into a table checks its names, so what is
   * in a table is fit for unbound's configuration.
   */
  add(name: string, kind: EntryKind): void {
    this.reserve(name.length);
    writeKey(name, this.bytes, this.used);
    this.commit(name.length, kind);
  }

  /**
   * The common case of a list line, straight from the list's bytes: `text[from, to)` is a name
   * that needs nothing but ASCII lower-casing and one trailing dot removed, and passes
   * normaliseName's checks as it is. Added when it does and true; false (nothing added) for
   * anything else, which then takes the general path: non-ASCII and xn-- labels (IDNA), blanks,
   * comments, bad characters, too long, one label, an all-digit top label.
   */
  addText(text: Uint8Array, from: number, to: number, kind: EntryKind): boolean {
    if (to > from && text[to - 1] === DOT) to--;
    const n = to - from;
    if (n === 0 || n > MAX_NAME) return false;
    this.reserve(n);
    const bytes = this.bytes;
    // Labels are read from the right, so the key comes out in one pass: each label's bytes are
    // classified on the way to its dot, then copied (lower-cased only if it had upper case).
    let at = this.used;
    let labelEnd = to;
    for (;;) {
      let seen = 0;
      let i = labelEnd - 1;
      for (; i >= from; i--) {
        const k = BYTE_CLASS[text[i]!]!;
        if (k === DOT_BYTE) break;
        if (k === 0) return false;
        seen |= k;
      }
      // the top label: not the only one, and not digits only (an address)
      if (labelEnd === to && (i < from || (seen & LABEL_BYTE) === 0)) return false;
      const start = i + 1;
      const length = labelEnd - start;
      if (length === 0 || length > MAX_LABEL) return false;
      if (text[start] === HYPHEN || text[labelEnd - 1] === HYPHEN) return false;
      // xn--, in any case: punycode, which only domainToASCII may let through
      if (length >= 4 && text[start + 2] === HYPHEN && text[start + 3] === HYPHEN) {
        if ((text[start]! | 0x20) === 0x78 && (text[start + 1]! | 0x20) === 0x6e) return false;
      }
      if (seen & UPPER) for (let j = start; j < labelEnd; j++) bytes[at++] = LOWER[text[j]!]!;
      else for (let j = start; j < labelEnd; j++) bytes[at++] = text[j]!;
      if (i < from) break;
      bytes[at++] = BOUNDARY;
      labelEnd = i;
    }
    this.commit(n, kind);
    return true;
  }

  /** Loads the keys of `entries[from, to)` ahead of work on them (prefetch.ts). */
  prefetch(entries: ArrayLike<number>, from: number, to: number): void {
    const { bytes, start, length } = this;
    let seen = 0;
    for (let n = from; n < to; n++) {
      const i = entries[n]!;
      const s = start[i]!;
      seen += bytes[s]! + bytes[s + length[i]! - 1]!;
    }
    keepLoaded(seen);
  }

  /** The name of entry i, as text. */
  name(i: number): string {
    const s = this.start[i]!;
    const n = this.length[i]!;
    let out = "";
    let end = s + n;
    for (let j = s + n - 1; j >= s - 1; j--) {
      if (j >= s && this.bytes[j] !== BOUNDARY) continue;
      if (out !== "") out += ".";
      for (let k = j + 1; k < end; k++) out += String.fromCharCode(this.bytes[k]!);
      end = j;
    }
    return out;
  }

  /** The names of some entries, as text: for logs, tests and small lists. */
  names(entries: ArrayLike<number>): string[] {
    const out: string[] = [];
    for (let i = 0; i < entries.length; i++) out.push(this.name(entries[i]!));
    return out;
  }

  /**
   * Writes the name of entry i at `out[at…]` (room for 253 bytes needed) and returns the
   * position after it: the include writer's way to a name without a string. `allowed` is the
   * caller's own check of the bytes, made as they are copied: -1 when a byte's entry there is 0
   * (what was written is then garbage).
   */
  writeName(i: number, out: Uint8Array, at: number, allowed: Uint8Array = ANY_BYTE): number {
    const bytes = this.bytes;
    const s = this.start[i]!;
    const end = s + this.length[i]!;
    // Forward through the key, a label at a time: the key's label [from, o) is the name's text
    // at `at + end - o` (the key's first label is the name's last), and a dot follows it there
    // unless it is the key's first.
    let ok = 1;
    let from = s;
    for (let o = s; o <= end; o++) {
      if (o < end && bytes[o] !== BOUNDARY) continue;
      let to = at + end - o;
      for (let k = from; k < o; k++) {
        const b = bytes[k]!;
        ok &= allowed[b]!;
        out[to++] = b;
      }
      if (from > s) out[to] = DOT;
      from = o + 1;
    }
    return ok === 1 ? at + end - s : -1;
  }

  /** -1, 0, 1 as entry i's key sorts before, with or after `key` (its first `keyLength` bytes). */
  compareKey(i: number, key: Uint8Array, keyLength = key.length): number {
    const s = this.start[i]!;
    const n = this.length[i]!;
    const m = Math.min(n, keyLength);
    for (let d = 0; d < m; d++) {
      const x = this.bytes[s + d]!;
      const y = key[d]!;
      if (x !== y) return x < y ? -1 : 1;
    }
    return n === keyLength ? 0 : n < keyLength ? -1 : 1;
  }
}

/** Writes the key of a name at `bytes[at…]`; it takes `name.length` bytes. */
export function writeKey(name: string, bytes: Uint8Array, at: number): void {
  let end = name.length;
  for (let i = name.length - 1; i >= -1; i--) {
    if (i >= 0 && name.charCodeAt(i) !== DOT) continue;
    for (let j = i + 1; j < end; j++) bytes[at++] = name.charCodeAt(j);
    if (i >= 0) bytes[at++] = BOUNDARY;
    end = i;
  }
}

/** The sort key of a normalised name (see NameTable). */
export function keyOf(name: string): Uint8Array {
  const key = new Uint8Array(name.length);
  writeKey(name, key, 0);
  return key;
}

/** Names that can be asked about one at a time: a Set<string>, or entries of a table. */
export interface NameSet {
  readonly size: number;
  has(name: string): boolean;
}

/** Entries of a table in key order, asked about by a binary search on the keys. */
export class SortedEntries implements NameSet {
  constructor(
    private readonly table: NameTable,
    private readonly entries: Uint32Array,
  ) {}

  get size(): number {
    return this.entries.length;
  }

  has(name: string): boolean {
    const key = keyOf(name);
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.table.compareKey(this.entries[mid]!, key);
      if (c === 0) return true;
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return false;
  }
}
