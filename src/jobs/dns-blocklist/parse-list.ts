import { adblockRule } from "./adblock-rule.js";
import { dnsmasqLine } from "./dnsmasq-line.js";
import { quoted } from "./dns-name.js";
import { hostsLine } from "./hosts-line.js";
import { isSinkText } from "./ip-network.js";
import { ListCollector, type InvalidLine } from "./list-collector.js";
import { commonLines, type LineCount, startsWith } from "./common-lines.js";
import { BLOCK, NameTable, SUBTREE } from "./name-table.js";
import { CR, LF } from "./plain-name.js";
import { RpzZone } from "./rpz-zone.js";
import { unboundLine } from "./unbound-line.js";
import { isIP } from "node:net";

export type { InvalidLine } from "./list-collector.js";

/** What one source's text holds, every entry checked. */
export interface ParsedList {
  /** the source it came from (a URL or path, as the caller named it) */
  readonly source: string;
  /**
   * where its names and exceptions are: entries [from, to) of `table`, which the lists of one
   * run share
   */
  readonly table: NameTable;
  readonly from: number;
  readonly to: number;
  /** how many names to block it carried (repeats included) */
  readonly nameCount: number;
  /**
   * names to block: lower case, IDNs in punycode, no trailing dot; in the order of the list.
   * Made from the table on each read: for tests and small lists, and only until the table is
   * decided on (decideTable sorts its entries).
   */
  readonly names: string[];
  /** canonical CIDRs, IPv4 and IPv6; a bare address is a /32 or /128 */
  readonly networks: string[];
  /** how many entries were refused */
  readonly invalid: number;
  /** the first few of them (FIRST_INVALID_KEPT), with line numbers */
  readonly firstInvalid: InvalidLine[];
  /** names the list says must not be blocked (Adblock `@@||x^`, RPZ `rpz-passthru.`); as `names` */
  readonly exceptions: string[];
}

/** The entries of kind `kind` in [from, to) of a table. */
function entriesOf(table: NameTable, from: number, to: number, kind: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) if (table.kind[i] === kind) out.push(i);
  return out;
}

const SPACE = 0x20;
const TAB = 0x09;

function fieldsOf(line: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= line.length; i++) {
    const c = i === line.length ? SPACE : line.charCodeAt(i);
    if (c === SPACE || c === TAB) {
      if (start >= 0) out.push(line.slice(start, i));
      start = -1;
    } else if (start < 0) start = i;
  }
  return out;
}

/**
 * A comment that starts after a blank: `#` (hosts(5), dnsmasq, unbound.conf) or `;` (zone files).
 * A `#` inside a word stays: dnsmasq's `address=/x/#` and Adblock's `##` need it.
 */
function withoutComment(line: string): string {
  let cut = line.length;
  for (const mark of ["#", ";"]) {
    let at = line.indexOf(mark);
    while (at > 0 && line.charCodeAt(at - 1) !== SPACE && line.charCodeAt(at - 1) !== TAB) at = line.indexOf(mark, at + 1);
    if (at > 0 && at < cut) cut = at;
  }
  return cut === line.length ? line : line.slice(0, cut).trimEnd();
}

// a CIDR or an IPv6 address (an IPv4 address is isIP's): what else would a lone word with a
// slash or colon be — an Adblock path or a URL, refused as a name
const ADDRESS_LIKE = /^(?=.*[:/])[0-9a-f:.]+(\/[0-9]+)?$/i;

const isBlank = (c: number): boolean => c === SPACE || c === TAB;

/**
 * Parses one source's text, whatever of the supported formats each line is in (lists mix them
 * rarely, but a line's form says which it is): plain names, hosts files, Adblock `||name^` rules,
 * dnsmasq `address=`/`server=` lines, unbound `local-zone:`/`local-data:` lines, RPZ zone files,
 * and bare addresses and CIDRs. Never throws; what it cannot take is counted in `invalid`.
 */
export function parseList(text: string, source: string, table: NameTable = new NameTable(text.length)): ParsedList {
  const parser = new ListParser(source, table);
  parser.push(text);
  return parser.end();
}

/**
 * parseList for a text that comes in pieces (a file read as a stream), so that a list of a
 * million names is never held whole: a line may span pieces; the lines are parsed as they end.
 *
 * Pieces are bytes, UTF-8 (a string is encoded first): the common line, a name alone or after
 * a sink address, goes from the bytes into the name table and is never a string; any other line
 * is decoded on its own (a line feed byte is never inside a UTF-8 sequence) and parsed as text.
 */
export class ListParser {
  private readonly c: ListCollector;
  private readonly zone = new RpzZone();
  private readonly from: number;
  /** the start of a line that has not ended yet, in the pieces it came in */
  private rest: Buffer[] = [];
  /** lines read, and names the common lines added (ListCollector counts the others) */
  private readonly read: LineCount = { lines: 0, names: 0 };
  /** a line feed was seen: a CR alone is then not a line end */
  private sawLineFeed = false;

  /**
   * `helper`: a second thread that reads the common lines of the second part of each piece
   * while this one reads the first (helper-thread.ts).
   */
  constructor(
    private readonly source: string,
    private readonly table: NameTable = new NameTable(),
    private readonly helper?: LineHelper,
  ) {
    this.from = table.count;
    this.c = new ListCollector(table);
  }

  push(text: Uint8Array | string): void {
    const piece = typeof text === "string" ? Buffer.from(text, "utf8") : Buffer.from(text.buffer, text.byteOffset, text.byteLength);
    const last = piece.lastIndexOf(LF);
    if (last < 0) {
      // no line ends here yet (or a file of CR line ends only: it is one line until end());
      // copied, as below
      if (piece.length > 0) this.rest.push(Buffer.from(piece));
      return;
    }
    this.sawLineFeed = true;
    let pos = 0;
    if (this.rest.length > 0) {
      // the line the last piece left open ends in this one: only that line is joined
      const first = piece.indexOf(LF) + 1;
      this.rest.push(piece.subarray(0, first));
      const line = Buffer.concat(this.rest);
      this.rest = [];
      this.lines(line, 0, line.length);
      pos = first;
    }
    this.inTwoParts(piece, pos, last + 1);
    // copied: a caller may reuse its buffer for the next piece
    if (last + 1 < piece.length) this.rest.push(Buffer.from(piece.subarray(last + 1)));
  }

  end(): ParsedList {
    const text = Buffer.concat(this.rest);
    this.rest = [];
    // Classic Mac line ends: a file with CRs and no LF is one line otherwise.
    if (!this.sawLineFeed) for (let i = 0; i < text.length; i++) if (text[i] === CR) text[i] = LF;
    this.lines(text, 0, text.length);
    const { c, table, from } = this;
    const to = table.count;
    return {
      source: this.source,
      table,
      from,
      to,
      nameCount: c.names + this.read.names,
      get names() {
        return table.names(entriesOf(table, from, to, BLOCK));
      },
      get exceptions() {
        return table.names(entriesOf(table, from, to, SUBTREE));
      },
      networks: c.networks,
      invalid: c.invalid,
      firstInvalid: c.firstInvalid,
    };
  }

  /**
   * The lines of bytes[pos, stop) in two parts, the second part's common lines read by the
   * helper meanwhile if there is one. Its part is taken only if this thread's part leaves the
   * state it assumed (no RPZ record open); else, or if it did not begin by the time this
   * thread's part is read, this thread reads that part too.
   */
  private inTwoParts(bytes: Buffer, pos: number, stop: number): void {
    const helper = this.helper;
    const mid =
      helper !== undefined && stop - pos >= SPLIT_FROM ? bytes.indexOf(LF, stop - Math.floor((stop - pos) * helper.lineShare)) + 1 : 0;
    if (helper === undefined || mid <= pos || mid >= stop || !helper.handLines(bytes, mid, stop)) {
      this.lines(bytes, pos, stop);
      return;
    }
    // once through its part, the helper makes resident the pages the next piece will write
    // (the table's bytes and entries past this piece's): a first touch of a page costs ~10 µs
    // on a virtual machine, and the pieces' writes are most of the run's fresh memory
    helper.touchAhead(this.table, stop - pos, stop - pos);
    let theirs: LinesRead | undefined;
    try {
      this.lines(bytes, pos, mid);
    } finally {
      theirs = helper.finishLines();
    }
    if (theirs === undefined || this.zone.continuing) {
      this.lines(bytes, mid, stop);
      return;
    }
    helper.appendLines(this.table);
    this.read.lines += theirs.lines;
    this.read.names += theirs.names;
    this.lines(bytes, mid + theirs.stoppedAt, stop);
  }

  /** the lines of bytes[pos, stop): each ends with a line feed, or at stop */
  private lines(bytes: Buffer, pos: number, stop: number): void {
    while (pos < stop) {
      // the common lines, from the bytes (never the first: it may start with a byte order mark)
      if (this.read.lines > 0 && !this.zone.continuing) {
        pos = commonLines(bytes, pos, stop, this.table, this.read);
        if (pos >= stop) return;
      }
      pos = this.line(bytes, pos, stop);
    }
  }

  /** Parses the line at bytes[pos…] as text; returns where the next begins. */
  private line(bytes: Buffer, pos: number, stop: number): number {
    const { c, zone } = this;
    let end = bytes.indexOf(LF, pos);
    if (end < 0 || end > stop) end = stop;
    const next = end + 1;
    if (end > pos && bytes[end - 1] === CR) end--;
    // the UTF-8 byte order mark, at the start of the first line
    if (this.read.lines === 0 && startsWith(bytes, pos, end, BOM)) pos += BOM.length;
    this.read.lines++;
    let line = bytes.toString("utf8", pos, end);
    if (line.length === 0) return next;
    const ownerOmitted = isBlank(line.charCodeAt(0));
    if (ownerOmitted || isBlank(line.charCodeAt(line.length - 1))) line = line.trim();
    if (line.length === 0) return next;
    c.line = this.read.lines;
    c.text = line;
    parseLine(line, ownerOmitted, zone, c);
    return next;
  }
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

// A piece's lines are shared with the helper from this many bytes on (a piece is 1 MiB).
const SPLIT_FROM = 64 * 1024;

/** What the helper read of its part (helper-thread.ts): see LineHelper. */
export interface LinesRead extends LineCount {
  /** where it stopped, from the start of its part: the first line that is not a common one */
  readonly stoppedAt: number;
}

/**
 * A second thread that reads common lines (common-lines.ts). `handLines` gives it
 * bytes[from, to) and returns at once (false: it takes nothing); `finishLines` waits for it and
 * says what it read, or undefined if it did not (the caller reads that part itself);
 * `appendLines` then adds the entries it made to the end of `table`. `lineShare` is the part of
 * a piece to give it (about a half: where both threads end together). `touchAhead` has it make
 * resident, while it has nothing else to do, the pages `table` will take when it grows by
 * `bytes` more bytes past the next `skip`.
 */
export interface LineHelper {
  readonly lineShare: number;
  handLines(bytes: Uint8Array, from: number, to: number): boolean;
  touchAhead(table: NameTable, skip: number, bytes: number): void;
  finishLines(): LinesRead | undefined;
  appendLines(table: NameTable): void;
}

function parseLine(raw: string, ownerOmitted: boolean, zone: RpzZone, c: ListCollector): void {
  const first = raw.charCodeAt(0);
  // Comment lines: # (hosts, dnsmasq, unbound), ! (Adblock), ; (zone files)
  if (first === 0x23 || first === 0x21 || first === 0x3b) return;
  if (zone.continuing) {
    if (raw.includes(")")) zone.continuing = false;
    return;
  }
  // The Adblock header, `[Adblock Plus 2.0]`
  if (first === 0x5b && raw.endsWith("]")) return;
  const line = withoutComment(raw);
  if (first === 0x7c || line.startsWith("@@")) {
    adblockRule(line, c);
    return;
  }
  if (line.includes("##") || line.includes("#@#") || line.includes("#?#")) {
    c.refuse(`Adblock element-hiding rule, not a domain: ${quoted(line)}`);
    return;
  }
  if (line.startsWith("address=") || line.startsWith("server=") || line.startsWith("local=")) {
    dnsmasqLine(line, c);
    return;
  }
  if (line.startsWith("local-zone:") || line.startsWith("local-data:")) {
    unboundLine(line, c);
    return;
  }
  if (line === "server:") return;
  const fields = fieldsOf(line);
  // what is left once a comment is cut can be blank in ways trim() saw and the blank test did not
  if (fields.length === 0) return;
  const head = fields[0]!;
  if (first === 0x24) {
    zone.directive(fields, c);
    return;
  }
  // the sink addresses as written first: "::1 localhost" heads most hosts files
  if (isSinkText(head) || isIP(head) !== 0) {
    if (fields.length > 1) {
      hostsLine(fields, c);
      return;
    }
    c.network(head);
    return;
  }
  if (fields.length === 1) {
    if (ADDRESS_LIKE.test(head)) {
      c.network(head);
      return;
    }
    c.name(head);
    return;
  }
  zone.record(fields, ownerOmitted, line, c);
}
