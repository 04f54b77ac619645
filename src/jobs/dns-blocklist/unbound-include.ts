import { isIP } from "node:net";
import type { FileHandle } from "node:fs/promises";
import { type SelfWritten, writeChunks } from "../atomic-file.js";
import type { NameTable } from "./name-table.js";
import { PREFETCH } from "./prefetch.js";
import type { BlockAction } from "./options.js";

/**
 * The unbound include for a decision (unbound.conf(5): local-zone, local-data). It starts with
 * `server:`, so it is valid wherever the configuration includes it. Written as byte chunks
 * straight from the name table: the include of a million names is never one string.
 */
export interface BlockStyle {
  action: BlockAction;
  /** --action redirect: the address every blocked name resolves to */
  sink?: string | undefined;
}

/** What an include is written from: entries of a table (a Decision is one). */
export interface IncludedNames {
  readonly table: NameTable;
  /** names to block, in canonical order */
  readonly blocked: Uint32Array;
  /** allowed names below blocked ones */
  readonly carved: Uint32Array;
}

const CHUNK = 256 * 1024;
// the longest line: local-data: "NAME. AAAA <an IPv6 address>" with a 253-byte name
const LONGEST_LINE = 400;

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

// Every byte a label of a name in the include may hold (the dots are writeName's own). The table
// only ever holds checked names; this is checked once more as each name is copied, whatever
// produced it: one quote or space in a zone line would make unbound-checkconf refuse the whole
// file (or, worse, mean something else).
const NAME_BYTE = new Uint8Array(256);
for (const c of "abcdefghijklmnopqrstuvwxyz0123456789-_") NAME_BYTE[c.charCodeAt(0)] = 1;

/**
 * `carved`: allowed names below a blocked one. unbound answers from the closest enclosing
 * local-zone, so each becomes a zone of its own that resolves normally: `transparent`, which
 * also answers the configuration's local-data there (`always_transparent` would ignore it, and
 * an allowed name the operator serves locally would go unanswered).
 */
export function includeChunks(names: IncludedNames, style: BlockStyle): Generator<Uint8Array> {
  return nameLineChunks(names.table, includeGroups(names, style), INCLUDE_HEAD);
}

const INCLUDE_HEAD = ascii("server:\n");

/** entries, the shape of each one's line, and the shape of a line after it (if any) */
export type LineGroup = readonly [Uint32Array, LineShape, LineShape | undefined];

/** The include's lines: a zone (and, redirected, its record) per blocked name, then the carve-outs. */
function includeGroups(names: IncludedNames, style: BlockStyle): [LineGroup, LineGroup] {
  const zone: LineShape = { start: ascii('local-zone: "'), end: ascii(`." ${style.action}\n`) };
  // the record that answers for a redirected zone: A or AAAA by the sink's family
  const data: LineShape | undefined =
    style.action === "redirect" && style.sink !== undefined
      ? { start: ascii('local-data: "'), end: ascii(`. ${isIP(style.sink) === 6 ? "AAAA" : "A"} ${style.sink}"\n`) }
      : undefined;
  const carved: LineShape = { start: zone.start, end: ascii('." transparent\n') };
  return [
    [names.blocked, zone, data],
    [names.carved, carved, undefined],
  ];
}

/** Writes lines of names where it is told: the run's helper thread (helper-thread.ts). */
export interface LineWriter {
  /**
   * Writes `groups`' lines into the file at `path`, from `position` on; resolves to the bytes
   * written and the names left out (a byte no name may have), rejects if it could not.
   */
  writeLines(table: NameTable, groups: readonly LineGroup[], path: string, position: number): Promise<{ bytes: number; skipped: number }>;
}

// An include of fewer blocked names is written by this thread alone.
const SPLIT_FROM = 100_000;

/**
 * The include for a decision, as writeFileAtomic and applyInclude take it. With a helper
 * thread and a big list, the file is written from two threads at once: the helper writes the
 * last part of the blocked names (and the carve-outs) from the offset the first part ends at,
 * which the names' lengths give before a byte is written. A name left out on either side
 * (includeChunks' byte check) would leave the offsets wrong: the file is then written again
 * here, whole, as includeChunks makes it.
 */
export function includeData(names: IncludedNames, style: BlockStyle, helper?: LineWriter): Iterable<Uint8Array> | IncludeOnTwoThreads {
  if (helper === undefined || names.blocked.length < SPLIT_FROM) return includeChunks(names, style);
  return new IncludeOnTwoThreads(names, style, helper);
}

// The part of the names this thread writes: a little over half, as the helper's half (its code
// cold, the carve-outs after it) took ~10 % longer than this thread's, measured inside runs of
// the benchmark.
const MY_PART = 0.53;

/** includeData's file for a big list with a helper thread (see there). */
export class IncludeOnTwoThreads implements SelfWritten {
  /** a name was left out, or the helper failed: the file was written again by this thread alone */
  rewritten = false;

  constructor(
    private readonly names: IncludedNames,
    private readonly style: BlockStyle,
    private readonly helper: LineWriter,
  ) {}

  async writeTo(fh: FileHandle, path: string): Promise<void> {
    const { names, style } = this;
    const { table } = names;
    const [blocked, carved] = includeGroups(names, style);
    const [entries, zone, data] = blocked;
    const half = Math.floor(entries.length * MY_PART);
    // where the helper's part starts: every line is its pieces and its name
    const perName = zone.start.length + zone.end.length + (data === undefined ? 0 : data.start.length + data.end.length);
    const copies = data === undefined ? 1 : 2;
    let position = INCLUDE_HEAD.length;
    for (let n = 0; n < half; n++) position += perName + copies * table.length[entries[n]!]!;
    const theirs = this.helper.writeLines(table, [[entries.subarray(half), zone, data], carved], path, position);
    // its failure is seen below; until then it must not count as unhandled
    theirs.catch(() => {});
    const skipped = { count: 0 };
    const mine = await writeChunks(fh, nameLineChunks(table, [[entries.subarray(0, half), zone, data]], INCLUDE_HEAD, skipped), 0);
    const second = await theirs.catch(() => undefined);
    if (second === undefined || second.skipped > 0 || skipped.count > 0 || mine !== position) {
      this.rewritten = true;
      await fh.truncate(0);
      await writeChunks(fh, includeChunks(names, style), 0);
    }
  }
}

/** One name a line, nothing around it: a version's names file. */
export const PLAIN_LINE: LineShape = { start: new Uint8Array(0), end: ascii("\n") };

/**
 * Lines of names, in byte chunks: for each group, one line of `shape` per entry (and one of
 * `extra` after it, if given), after `head`; a name with a byte no name may have is left out,
 * and counted in `skipped`. Two buffers serve the whole file in turn, so a
 * million lines leave no trail of garbage buffers: a chunk stays valid until the one after the
 * next is asked for, which lets writeFileAtomic write one while this makes the next.
 */
export function* nameLineChunks(
  table: NameTable,
  groups: readonly LineGroup[],
  head: Uint8Array = new Uint8Array(0),
  skipped: { count: number } = { count: 0 },
): Generator<Uint8Array> {
  const buffers = [new LineBuffer(), new LineBuffer()];
  let out = buffers[0]!;
  let at = copy(head, out.bytes, 0);
  for (const [entries, shape, extra] of groups) {
    const line = pieces(shape);
    const after = extra === undefined ? undefined : pieces(extra);
    for (let n = 0; n < entries.length; n++) {
      if (n % PREFETCH === 0) table.prefetch(entries, n, Math.min(entries.length, n + PREFETCH));
      if (at + LONGEST_LINE * 2 > CHUNK) {
        yield out.bytes.subarray(0, at);
        out = out === buffers[0] ? buffers[1]! : buffers[0]!;
        at = 0;
      }
      const end = nameLine(table, entries[n]!, line, out, at);
      if (end < 0) {
        skipped.count++;
        continue;
      }
      at = after === undefined ? end : nameLine(table, entries[n]!, after, out, end);
    }
  }
  yield out.bytes.subarray(0, at);
}

/** A line that is a name between two fixed pieces. */
export interface LineShape {
  readonly start: Uint8Array;
  readonly end: Uint8Array;
}

/** A chunk's buffer, and a view that stores four bytes at any offset. */
class LineBuffer {
  readonly bytes = new Uint8Array(CHUNK);
  readonly view = new DataView(this.bytes.buffer);
}

/**
 * A fixed piece of a line as big-endian 32-bit words and the bytes after the last whole one:
 * a line's pieces are two thirds of its bytes, and four at a store cost a quarter of the
 * stores (measured on a million names: the include's making ~180 → ~140 ms with the name copy
 * below).
 */
interface Piece {
  readonly words: Uint32Array;
  readonly tail: Uint8Array;
}

function piece(bytes: Uint8Array): Piece {
  const whole = bytes.length >> 2;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const words = new Uint32Array(whole);
  for (let w = 0; w < whole; w++) words[w] = view.getUint32(4 * w);
  return { words, tail: bytes.subarray(4 * whole) };
}

const pieces = (shape: LineShape): { start: Piece; end: Piece } => ({ start: piece(shape.start), end: piece(shape.end) });

function put(p: Piece, out: LineBuffer, at: number): number {
  const { words, tail } = p;
  for (let w = 0; w < words.length; w++) {
    out.view.setUint32(at, words[w]!);
    at += 4;
  }
  for (let k = 0; k < tail.length; k++) out.bytes[at++] = tail[k]!;
  return at;
}

// loops, not out.set: the head is a few bytes, and set's call costs more than the copy
function copy(bytes: Uint8Array, out: Uint8Array, at: number): number {
  for (let k = 0; k < bytes.length; k++) out[at++] = bytes[k]!;
  return at;
}

/** Writes the line for entry i at out[at…]; returns where it ends, or -1 if the name has a byte no name may have. */
function nameLine(table: NameTable, i: number, shape: { start: Piece; end: Piece }, out: LineBuffer, at: number): number {
  const nameEnd = table.writeName(i, out.bytes, put(shape.start, out, at), NAME_BYTE);
  return nameEnd < 0 ? -1 : put(shape.end, out, nameEnd);
}

/** The include as one string: for tests and small lists. */
export function includeText(names: IncludedNames, style: BlockStyle): string {
  const chunks: Buffer[] = [];
  for (const chunk of includeChunks(names, style)) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("latin1");
}
