import { isIP } from "node:net";
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

// Every byte a name in the include may hold. The table only ever holds checked names; this is
// checked once more as each name is copied, whatever produced it: one quote or space in a zone
// line would make unbound-checkconf refuse the whole file (or, worse, mean something else).
const NAME_BYTE = new Uint8Array(256);
for (const c of "abcdefghijklmnopqrstuvwxyz0123456789-_.") NAME_BYTE[c.charCodeAt(0)] = 1;

/**
 * `carved`: allowed names below a blocked one. unbound answers from the closest enclosing
 * local-zone, so each becomes a zone of its own that resolves normally: `transparent`, which
 * also answers the configuration's local-data there (`always_transparent` would ignore it, and
 * an allowed name the operator serves locally would go unanswered).
 */
export function includeChunks(names: IncludedNames, style: BlockStyle): Generator<Uint8Array> {
  const zone: LineShape = { start: ascii('local-zone: "'), end: ascii(`." ${style.action}\n`) };
  // the record that answers for a redirected zone: A or AAAA by the sink's family
  const data: LineShape | undefined =
    style.action === "redirect" && style.sink !== undefined
      ? { start: ascii('local-data: "'), end: ascii(`. ${isIP(style.sink) === 6 ? "AAAA" : "A"} ${style.sink}"\n`) }
      : undefined;
  const carved: LineShape = { start: zone.start, end: ascii('." transparent\n') };
  return nameLineChunks(
    names.table,
    [
      [names.blocked, zone, data],
      [names.carved, carved, undefined],
    ],
    ascii("server:\n"),
  );
}

/** One name a line, nothing around it: a version's names file. */
export const PLAIN_LINE: LineShape = { start: new Uint8Array(0), end: ascii("\n") };

/**
 * Lines of names, in byte chunks: for each group, one line of `shape` per entry (and one of
 * `extra` after it, if given), after `head`. Each chunk is valid until the next is asked for:
 * one buffer serves the whole file, so a million lines leave no trail of garbage buffers
 * (writeFileAtomic writes each before asking).
 */
export function* nameLineChunks(
  table: NameTable,
  groups: readonly (readonly [Uint32Array, LineShape, LineShape | undefined])[],
  head: Uint8Array = new Uint8Array(0),
): Generator<Uint8Array> {
  const out = new Uint8Array(CHUNK);
  let at = copy(head, out, 0);
  for (const [entries, shape, extra] of groups) {
    for (let n = 0; n < entries.length; n++) {
      if (n % PREFETCH === 0) table.prefetch(entries, n, Math.min(entries.length, n + PREFETCH));
      if (at + LONGEST_LINE * 2 > out.length) {
        yield out.subarray(0, at);
        at = 0;
      }
      const line = nameLine(table, entries[n]!, shape, out, at);
      if (line < 0) continue;
      at = extra === undefined ? line : nameLine(table, entries[n]!, extra, out, line);
    }
  }
  yield out.subarray(0, at);
}

/** A line that is a name between two fixed pieces. */
export interface LineShape {
  readonly start: Uint8Array;
  readonly end: Uint8Array;
}

// loops, not out.set: the pieces are a few bytes, and set's call costs more than the copy
function copy(bytes: Uint8Array, out: Uint8Array, at: number): number {
  for (let k = 0; k < bytes.length; k++) out[at++] = bytes[k]!;
  return at;
}

/** Writes the line for entry i at out[at…]; returns where it ends, or -1 if the name has a byte no name may have. */
function nameLine(table: NameTable, i: number, shape: LineShape, out: Uint8Array, at: number): number {
  const nameAt = copy(shape.start, out, at);
  const nameEnd = table.writeName(i, out, nameAt);
  for (let k = nameAt; k < nameEnd; k++) if (NAME_BYTE[out[k]!] === 0) return -1;
  return copy(shape.end, out, nameEnd);
}

/** The include as one string: for tests and small lists. */
export function includeText(names: IncludedNames, style: BlockStyle): string {
  const chunks: Buffer[] = [];
  for (const chunk of includeChunks(names, style)) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("latin1");
}
