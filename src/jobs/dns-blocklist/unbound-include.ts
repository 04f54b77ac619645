import { isIP } from "node:net";
import type { NameTable } from "./name-table.js";
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
export function* includeChunks(names: IncludedNames, style: BlockStyle): Generator<Uint8Array> {
  // Each chunk is valid until the next is asked for: one buffer serves the whole file, so a
  // million lines leave no trail of garbage buffers (writeFileAtomic writes each before asking).
  const zoneStart = ascii('local-zone: "');
  const blockEnd = ascii(`." ${style.action}\n`);
  const carvedEnd = ascii('." transparent\n');
  // the record that answers for a redirected zone: A or AAAA by the sink's family
  const redirect = style.action === "redirect" && style.sink !== undefined;
  const dataStart = ascii('local-data: "');
  const dataEnd = ascii(`. ${isIP(style.sink ?? "") === 6 ? "AAAA" : "A"} ${style.sink ?? ""}"\n`);
  const out = new Uint8Array(CHUNK);
  let at = 0;
  // a loop, not out.set: the pieces are a few bytes, and set's call costs more than the copy
  const put = (bytes: Uint8Array): void => {
    for (let k = 0; k < bytes.length; k++) out[at++] = bytes[k]!;
  };
  /** the name of entry i, checked byte by byte; false (nothing written) if one is not a name's */
  const putName = (i: number): boolean => {
    const end = names.table.writeName(i, out, at);
    for (let k = at; k < end; k++) if (NAME_BYTE[out[k]!] === 0) return false;
    at = end;
    return true;
  };
  put(ascii("server:\n"));
  const lines = (entries: Uint32Array, end: Uint8Array, withData: boolean): Generator<Uint8Array> =>
    (function* () {
      for (let n = 0; n < entries.length; n++) {
        if (at + LONGEST_LINE * 2 > out.length) {
          yield out.subarray(0, at);
          at = 0;
        }
        const line = at;
        put(zoneStart);
        if (!putName(entries[n]!)) {
          at = line;
          continue;
        }
        put(end);
        if (withData) {
          put(dataStart);
          putName(entries[n]!);
          put(dataEnd);
        }
      }
    })();
  yield* lines(names.blocked, blockEnd, redirect);
  yield* lines(names.carved, carvedEnd, false);
  yield out.subarray(0, at);
}

/** The include as one string: for tests and small lists. */
export function includeText(names: IncludedNames, style: BlockStyle): string {
  const chunks: Buffer[] = [];
  for (const chunk of includeChunks(names, style)) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("latin1");
}
