import type { PackedKeys } from "./key-sort.js";
import { memoryFor } from "./helper-jobs.js";
import { LOWER, type PlainName } from "./plain-name.js";
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
// writeName's check when its caller has none
const ANY_BYTE = new Uint8Array(256).fill(1);

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

  /** bytes in use */
  get bytesUsed(): number {
    return this.used;
  }

  /** Room for `entries` more entries of up to `n` bytes in all. */
  private reserve(n: number, entries = 1): void {
    if (this.used + n > this.bytes.length) {
      const grown = new Uint8Array(this.memory(Math.max(this.bytes.length * 2, this.used + n)));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    if (this.count + entries > this.start.length) {
      const size = Math.max(this.start.length * 2, this.count + entries);
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
   * Adds the name PlainName found at `text[from…]` (plain-name.ts: checked, and needing nothing
   * but lower-casing), its key copied label by label from the right.
   */
  addPlain(text: Uint8Array, from: number, name: PlainName, kind: EntryKind): void {
    const { dots, labels, to, upper } = name;
    const n = to - from;
    this.reserve(n);
    const bytes = this.bytes;
    let at = this.used;
    let end = to;
    for (let l = labels; l >= 0; l--) {
      const start = l > 0 ? dots[l - 1]! + 1 : from;
      if (upper) for (let j = start; j < end; j++) bytes[at++] = LOWER[text[j]!]!;
      else for (let j = start; j < end; j++) bytes[at++] = text[j]!;
      if (l > 0) bytes[at++] = BOUNDARY;
      end = start - 1;
    }
    this.commit(n, kind);
  }

  /**
   * Adds the entries of another table (on another thread, one that read part of a list: see
   * ListParser), after this one's, in their order.
   */
  append(other: TableArrays, bytesUsed: number): void {
    const n = other.count;
    this.reserve(bytesUsed, n);
    const base = this.used;
    this.bytes.set(other.bytes.subarray(0, bytesUsed), base);
    const { start, count } = this;
    for (let i = 0; i < n; i++) start[count + i] = other.start[i]! + base;
    this.length.set(other.length.subarray(0, n), count);
    this.kind.set(other.kind.subarray(0, n), count);
    for (let i = 0; i < n; i++) if (other.kind[i] !== BLOCK) this.notBlocking++;
    this.count += n;
    this.used += bytesUsed;
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
