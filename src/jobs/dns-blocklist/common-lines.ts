import { BLOCK, type EntryKind, type NameTable } from "./name-table.js";
import { CR, LF, PlainName } from "./plain-name.js";

/**
 * The common lines of a list, straight from its bytes: a line that is one name, a hosts line
 * (`0.0.0.0 x`, `127.0.0.1 x`) with one name, or an Adblock rule for a whole domain (`||x^`, no
 * options), whose name passes the name check as it is; a comment line that starts with `#`; an
 * empty line. A list of a million names is nearly all such lines. Any other line (and the one
 * two-label name of hosts boilerplate, `localhost.localdomain`) is left to ListParser's general
 * path, which keeps the state a line can leave behind (an RPZ record open over lines) and the
 * invalid lines' reports: none of the lines here changes that state, so they can be read by
 * either thread (helper-thread.ts).
 */
export interface LineCount {
  /** lines read, the empty and the comment lines included */
  lines: number;
  /** names added to the table */
  names: number;
}

/**
 * Reads the common lines of bytes[pos, stop) (stop just after a line feed, or the end of the
 * text) and returns the start of the first line that is not one, or `stop`. Must not be called
 * on a list's first line (a byte order mark) or inside an open RPZ record.
 */
export function commonLines(bytes: Uint8Array, pos: number, stop: number, table: NameTable, count: LineCount): number {
  while (pos < stop) {
    const first = bytes[pos]!;
    if (first === LF) pos++;
    else if (first === CR) {
      // an empty line, CR LF (or a CR that ends the text); a CR before anything else is not
      // a line end here
      if (pos + 1 < stop && bytes[pos + 1] !== LF) return pos;
      pos += 2;
    } else if (first === HASH) {
      while (pos < stop && bytes[pos] !== LF) pos++;
      pos++;
    } else if (first === PIPE) {
      // an Adblock rule for a whole domain and nothing else: `||name^`
      if (bytes[pos + 1] !== PIPE) return pos;
      const next = addLine(table, bytes, pos + 2, stop, BLOCK, CARET);
      if (next < 0) return pos;
      count.names++;
      pos = next;
    } else {
      const sink = startsWith(bytes, pos, stop, ZEROS_SINK)
        ? ZEROS_SINK.length
        : startsWith(bytes, pos, stop, LOOPBACK_SINK)
          ? LOOPBACK_SINK.length
          : 0;
      const at = pos + sink;
      if (sink > 0 && startsWith(bytes, at, stop, LOCALHOST)) return pos;
      const next = addLine(table, bytes, at, stop, BLOCK);
      if (next < 0) return pos;
      count.names++;
      pos = next;
    }
    count.lines++;
  }
  return stop;
}

// the name each line's bytes are read into (one thread's: each thread has this module of its own)
const PLAIN = new PlainName();

/**
 * Adds the plain name at `text[from…]` (plain-name.ts) up to the line's end and returns the
 * position after it; -1, nothing added, for a line that is not one.
 */
export function addLine(table: NameTable, text: Uint8Array, from: number, stop: number, kind: EntryKind, terminator = -1): number {
  const next = PLAIN.read(text, from, stop, terminator);
  if (next >= 0) table.addPlain(text, from, PLAIN, kind);
  return next;
}

const HASH = 0x23;
const PIPE = 0x7c;
const CARET = 0x5e;
const ZEROS_SINK = Buffer.from("0.0.0.0 ");
const LOOPBACK_SINK = Buffer.from("127.0.0.1 ");
// hosts boilerplate: the general path decides on it
const LOCALHOST = Buffer.from("localhost.");

/** whether bytes[pos, end) starts with `prefix` */
export function startsWith(bytes: Uint8Array, pos: number, end: number, prefix: Uint8Array): boolean {
  if (end - pos < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[pos + i] !== prefix[i]) return false;
  return true;
}
