import { isRefusal, normaliseName, withoutWildcard } from "./dns-name.js";
import { parseNetwork } from "./ip-network.js";
import { BLOCK, NameTable, SUBTREE } from "./name-table.js";

/** An entry a list carried that was not taken, with where it was. */
export interface InvalidLine {
  /** 1-based line number in the source */
  readonly line: number;
  /** the line as written (trimmed, cut at 200 characters) */
  readonly text: string;
  /** why, naming the bad value */
  readonly reason: string;
}

/** How many invalid lines a parse keeps for the log; the count covers all of them. */
export const FIRST_INVALID_KEPT = 5;
const TEXT_KEPT = 200;

/**
 * What the line parsers of every format feed: each entry is checked here, once, so no format can
 * let an invalid name or network through.
 */
export class ListCollector {
  /** names to block and exceptions go here, packed (several lists may share one table) */
  readonly table: NameTable;
  /** how many names to block, and exceptions, this collector added to the table */
  names = 0;
  exceptions = 0;
  readonly networks: string[] = [];
  readonly firstInvalid: InvalidLine[] = [];
  invalid = 0;
  /** the line being parsed, for the invalid report */
  line = 0;
  text = "";

  constructor(table: NameTable = new NameTable()) {
    this.table = table;
  }

  /** a name to block; `*.x` means the subtree of x */
  name(raw: string): void {
    const n = normaliseName(withoutWildcard(raw));
    if (isRefusal(n)) this.refuse(n.reason);
    else {
      this.table.add(n, BLOCK);
      this.names++;
    }
  }

  /** a name a list says must not be blocked (Adblock `@@||x^`, RPZ `rpz-passthru.`) */
  exception(raw: string): void {
    const n = normaliseName(withoutWildcard(raw));
    if (isRefusal(n)) this.refuse(n.reason);
    else {
      this.table.add(n, SUBTREE);
      this.exceptions++;
    }
  }

  /** an address or CIDR to block */
  network(raw: string): void {
    const n = parseNetwork(raw);
    if (isRefusal(n)) this.refuse(n.reason);
    else this.networks.push(n);
  }

  refuse(reason: string): void {
    this.invalid++;
    if (this.firstInvalid.length < FIRST_INVALID_KEPT) {
      const text = this.text.length > TEXT_KEPT ? `${this.text.slice(0, TEXT_KEPT)}…` : this.text;
      this.firstInvalid.push({ line: this.line, text, reason });
    }
  }
}
