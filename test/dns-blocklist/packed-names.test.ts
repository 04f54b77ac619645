import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { listChanges } from "../../src/jobs/dns-blocklist/applied-versions.js";
import { compareNames, isRefusal, normaliseName } from "../../src/jobs/dns-blocklist/dns-name.js";
import { addLine } from "../../src/jobs/dns-blocklist/common-lines.js";
import { BLOCK, NameTable } from "../../src/jobs/dns-blocklist/name-table.js";
import { SortedEntries } from "../../src/jobs/dns-blocklist/sorted-entries.js";
import { ListParser, type ParsedList, parseList } from "../../src/jobs/dns-blocklist/parse-list.js";
import { includeText } from "../../src/jobs/dns-blocklist/unbound-include.js";

// The names of a run are kept packed (name-table.ts), and the common list line takes a fast path
// into the table (addLine, plain-name.ts) that must take exactly what the general name check (normaliseName)
// takes, and store what it would return.

/** a table of names in canonical order (as a decision's are), with its entries */
function sortedTable(names: readonly string[]): { table: NameTable; blocked: Uint32Array; carved: Uint32Array } {
  const table = new NameTable();
  const sorted = [...new Set(names)].sort(compareNames);
  for (const n of sorted) table.add(n, BLOCK);
  return { table, blocked: Uint32Array.from(sorted.keys()), carved: new Uint32Array(0) };
}

const label = fc.stringMatching(/^[a-zA-Z0-9_-]{0,5}$/);
const odd = fc.constantFrom("xn--", "XN--", "xn--mnchen-3ya", "ü", " ", "#", "..", ".", "*", "\t", "-", "A".repeat(64), "0", "^", "|");
const piece = fc.oneof({ weight: 6, arbitrary: label }, { weight: 1, arbitrary: odd });
const candidate = fc.array(piece, { minLength: 1, maxLength: 5 }).map((xs) => xs.join("."));

describe("packed names: the fast path agrees with the name check", () => {
  // a line's name after its prefix, as a hosts line and as an Adblock rule (`||name^`)
  test.each([
    ["a hosts line", "0.0.0.0 ", "", -1],
    ["an Adblock rule", "||", "^", 0x5e],
  ])(
    "addLine takes %s's name exactly when normaliseName needs no IDNA for it, stores normaliseName's answer, and ends at the line's end",
    (_, prefix, suffix, terminator) => {
      fc.assert(
        fc.property(candidate, fc.boolean(), fc.constantFrom("", "\n", "\r\n", "\r"), fc.boolean(), (raw, trailingDot, ending, last) => {
          const name = `${raw}${trailingDot ? "." : ""}`;
          const table = new NameTable();
          // another line after it must not be read (where a line end comes first); a CR last in
          // the text ends it
          const after = last || ending === "" ? "" : "next.example";
          const bytes = Buffer.from(`${prefix}${name}${suffix}${ending}${after}`, "utf8");
          const stop = bytes.length - after.length;
          const next = addLine(table, bytes, prefix.length, bytes.length, BLOCK, terminator);
          const reference = normaliseName(name);
          const loneCr = ending === "\r" && !last;
          if (next >= 0) {
            expect(isRefusal(reference), name).toBe(false);
            expect(table.name(0)).toBe(reference);
            expect(table.count).toBe(1);
            expect(loneCr, "a CR alone within a text is not a line end").toBe(false);
            expect(next, "where the next line starts").toBe(stop);
          } else if (!isRefusal(reference) && !loneCr) {
            // left to the general path: only names that IDNA maps (xn-- labels, non-ASCII)
            expect(/xn--/i.test(name) || [...name].some((ch) => ch.charCodeAt(0) > 0x7f), name).toBe(true);
          }
        }),
        { numRuns: 20_000 },
      );
    },
  );

  test("a name's text survives the table: add, name and writeName give it back", () => {
    const names = ["example.com", "a.b.c.d.example.org", "_dmarc.example.net", "x-y.example", "xn--mnchen-3ya.de"];
    const table = new NameTable();
    for (const n of names) table.add(n, BLOCK);
    expect(names.map((_, i) => table.name(i))).toEqual(names);
    const out = new Uint8Array(300);
    names.forEach((n, i) => {
      const end = table.writeName(i, out, 3);
      expect(Buffer.from(out.subarray(3, end)).toString("latin1")).toBe(n);
    });
    // the caller's check of the label bytes: a byte it does not allow fails the name
    const noUnderscore = new Uint8Array(256).fill(1);
    noUnderscore[0x5f] = 0;
    expect(table.writeName(2, out, 0, noUnderscore)).toBe(-1);
    expect(table.writeName(0, out, 0, noUnderscore)).toBe("example.com".length);
  });

  test("SortedEntries answers membership like a set of the same names", () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-c]{1,2}\.(x|y)$/), { maxLength: 20 }),
        fc.stringMatching(/^[a-c]{1,2}\.(x|y)$/),
        (names, probe) => {
          const { table, blocked } = sortedTable(names);
          expect(new SortedEntries(table, blocked).has(probe)).toBe(names.includes(probe));
        },
      ),
    );
  });
});

describe("packed names: what changed between two versions", () => {
  const nameArb = fc.stringMatching(/^[a-d]{1,2}(\.[a-d]{1,2})?\.(com|net)$/);

  test("the merge over two sorted lists counts what a set difference counts", () => {
    fc.assert(
      fc.property(fc.array(nameArb, { maxLength: 40 }), fc.array(nameArb, { maxLength: 40 }), (before, after) => {
        const was = [...new Set(before)].sort(compareNames);
        const now = sortedTable(after);
        const nowNames = now.table.names(now.blocked);
        const added = nowNames.filter((n) => !was.includes(n));
        const removed = was.filter((n) => !nowNames.includes(n));
        const c = listChanges(was.map((n) => `${n}\n`).join(""), now);
        expect(c).toEqual({
          added: added.length,
          removed: removed.length,
          firstAdded: added.slice(0, 5),
          firstRemoved: removed.slice(0, 5),
        });
      }),
    );
  });

  test("a names file out of order (edited by hand) is still compared right", () => {
    const now = sortedTable(["a.com", "b.com", "c.com"]);
    const c = listChanges("c.com\nz.com\na.com\n", now);
    expect(c).toMatchObject({ added: 1, removed: 1, firstAdded: ["b.com"], firstRemoved: ["z.com"] });
  });
});

describe("packed names: the unbound include", () => {
  test("one local-zone line a name (unbound.conf(5)), carve-outs transparent, a redirect with its A or AAAA record", () => {
    const table = new NameTable();
    for (const n of ["example.com", "ads.example.net", "ok.ads.example.net"]) table.add(n, BLOCK);
    const names = { table, blocked: Uint32Array.of(0, 1), carved: Uint32Array.of(2) };
    expect(includeText(names, { action: "always_nxdomain" })).toBe(
      'server:\nlocal-zone: "example.com." always_nxdomain\nlocal-zone: "ads.example.net." always_nxdomain\nlocal-zone: "ok.ads.example.net." transparent\n',
    );
    expect(includeText({ ...names, carved: new Uint32Array(0) }, { action: "redirect", sink: "2001:db8::1" })).toBe(
      'server:\nlocal-zone: "example.com." redirect\nlocal-data: "example.com. AAAA 2001:db8::1"\n' +
        'local-zone: "ads.example.net." redirect\nlocal-data: "ads.example.net. AAAA 2001:db8::1"\n',
    );
  });

  test("a table of 20 000 names is written in several chunks, every line whole", () => {
    const names = Array.from({ length: 20_000 }, (_, i) => `host-${i}.${"long-label-".repeat(4)}example.org`);
    const lines = includeText(sortedTable(names), { action: "always_null" }).split("\n");
    expect(lines).toHaveLength(20_002);
    expect(lines.slice(1, -1).every((l) => /^local-zone: "host-[0-9]+\.(long-label-){4}example\.org\." always_null$/.test(l))).toBe(true);
  });
});

/** what a list read in pieces must share with the same text parsed whole */
function expectSameParse(pieces: ParsedList, whole: ParsedList): void {
  expect(pieces.names).toEqual(whole.names);
  expect(pieces.exceptions).toEqual(whole.exceptions);
  expect(pieces.networks).toEqual(whole.networks);
  expect(pieces.firstInvalid).toEqual(whole.firstInvalid);
  expect(pieces.invalid).toBe(whole.invalid);
}

describe("packed names: a list read in pieces", () => {
  const fixtures = join(import.meta.dirname, "fixtures");
  const texts = readdirSync(fixtures).map((f) => readFileSync(join(fixtures, f), "utf8"));
  // the features a piece boundary can cut through: a BOM, CRLF, a CR-only file, a line with no end
  texts.push(
    "\ufeff0.0.0.0 a.example\r\n||b.example^\r\n@@||c.b.example^\r\nd.example",
    "a.example\rb.example\r",
    "",
    // names of characters that are more than one byte
    "0.0.0.0 bücher.example\nmünchen.example\n||ドメイン.example^\n",
  );

  test("any split of a list's bytes into pieces parses as the whole text does", () => {
    fc.assert(
      fc.property(fc.constantFrom(...texts.keys()), fc.array(fc.nat(), { maxLength: 8 }), (which, cuts) => {
        const text = texts[which]!;
        // cut as a file is read: anywhere, inside a UTF-8 sequence too
        const bytes = Buffer.from(text, "utf8");
        const at = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % (bytes.length + 1))))].sort((a, b) => a - b);
        const parser = new ListParser("pieces");
        let from = 0;
        for (const c of [...at, bytes.length]) {
          parser.push(bytes.subarray(from, c));
          from = c;
        }
        expectSameParse(parser.end(), parseList(text, "pieces"));
      }),
      { numRuns: 500 },
    );
  });

  test("pieces read into one reused buffer, as a stored copy is read: lines longer than a piece too", () => {
    fc.assert(
      fc.property(fc.constantFrom(...texts.keys()), fc.integer({ min: 1, max: 40 }), (which, size) => {
        const bytes = Buffer.from(texts[which]!, "utf8");
        const parser = new ListParser("reused");
        const buffer = Buffer.alloc(size);
        for (let at = 0; at < bytes.length; at += size) {
          const n = bytes.copy(buffer, 0, at, at + size);
          parser.push(buffer.subarray(0, n));
          // what the parser keeps must not be the caller's buffer
          buffer.fill(0x78);
        }
        expectSameParse(parser.end(), parseList(texts[which]!, "reused"));
      }),
      { numRuns: 300 },
    );
  });

  test("a name split inside a UTF-8 sequence, and bytes that are not UTF-8", () => {
    const p = new ListParser("bytes");
    const text = Buffer.from("0.0.0.0 bücher.example\nok.example\n");
    // the two bytes of ü in two pieces
    const u = text.indexOf(0xc3);
    p.push(text.subarray(0, u + 1));
    p.push(text.subarray(u + 1));
    // a line with a byte no UTF-8 text has: that line is refused, its neighbours are not
    p.push(Buffer.from([...Buffer.from("a.example\n0.0.0.0 b"), 0xff, ...Buffer.from(".example\nc.example\n")]));
    const parsed = p.end();
    // RFC 3492's punycode of "bücher"
    expect(parsed.names).toEqual(["xn--bcher-kva.example", "ok.example", "a.example", "c.example"]);
    expect(parsed.invalid).toBe(1);
    expect(parsed.firstInvalid[0]!.line).toBe(4);
  });

  test("a CR-only file is lines, a BOM is no character of the first name", () => {
    const p = new ListParser("cr");
    p.push("\ufeffa.exa");
    p.push("mple\rb.example\r");
    expect(p.end().names).toEqual(["a.example", "b.example"]);
  });
});
