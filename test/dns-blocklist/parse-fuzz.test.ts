import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { BlockList, isIP } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, test } from "vitest";
import { decide } from "../../src/jobs/dns-blocklist/decide.js";
import { parseList, type ParsedList } from "../../src/jobs/dns-blocklist/parse-list.js";
import { requires } from "../support/requires.js";

// 100 000 random and mutated lines through the parser (in texts of 1 000 lines, so a zone
// file's $ORIGIN and parentheses carry from line to line), then through decide: no exception,
// every name that comes out passes a validity check written here from RFC 1035 §2.3.1 and
// RFC 1123 §2.1 (plus "_"), every network one that node:net takes, and unbound-checkconf
// accepts a configuration with every name in `local-zone: "NAME." always_nxdomain`.
const LINES = 100_000;
const PER_TEXT = 1_000;

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
function validName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split(".");
  return labels.length >= 2 && labels.every((l) => LABEL.test(l)) && !/^[0-9]+$/.test(labels[labels.length - 1]!);
}

function validNetwork(cidr: string): boolean {
  const [address = "", prefix = "", ...rest] = cidr.split("/");
  const family = isIP(address);
  if (rest.length > 0 || family === 0 || !/^[0-9]+$/.test(prefix)) return false;
  const p = Number(prefix);
  if (p < 1 || p > (family === 4 ? 32 : 128)) return false;
  new BlockList().addSubnet(address, p, family === 4 ? "ipv4" : "ipv6"); // throws on anything node refuses
  return true;
}

const fixtures = readdirSync(join(import.meta.dirname, "fixtures")).flatMap((f) =>
  readFileSync(join(import.meta.dirname, "fixtures", f), "utf8").split("\n"),
);
const seeds = [
  ...fixtures,
  "0.0.0.0 miner.example.com",
  "||ads.example.com^$third-party",
  "address=/a.example/b.example/#",
  'local-zone: "z.example." always_nxdomain',
  "*.w.example CNAME .",
  "24.0.2.0.192.rpz-ip CNAME .",
  "2001:db8::/32",
  "bücher.example",
  "例え.テスト",
];
// characters that break parsers and configuration files
const nasty = [
  '"',
  "'",
  "\\",
  " ",
  "\t",
  "\r",
  "\u0000",
  "\u0001",
  "\u007f",
  "\u0085",
  "\u00a0",
  "\u200b",
  "\u202e",
  "\ufeff",
  "\ud800",
  "#",
  ";",
  "!",
  "$",
  "/",
  ":",
  "%",
  "*",
  ".",
  "..",
  "-",
  "_",
  "^",
  "|",
  "@@",
  "(",
  ")",
  "{",
  "}",
  "\n",
  "ü",
  "ß",
  "Ⅸ",
  "。",
  "xn--",
  "0",
  "::",
  "255",
  "/0",
  "/33",
  "A".repeat(70),
];

/** One edit of a seed line: where, what kind, and which nasty piece or code unit. */
type Edit = [at: number, kind: number, pick: number];

function mutate(line: string, edits: readonly Edit[]): string {
  let s = line;
  for (const [where, kind, pick] of edits) {
    const at = where % (s.length + 1);
    switch (kind) {
      case 0: // insert something nasty
        s = s.slice(0, at) + nasty[pick % nasty.length]! + s.slice(at);
        break;
      case 1: // delete a stretch
        s = s.slice(0, at) + s.slice(at + 1 + (pick % 5));
        break;
      case 2: // replace one character by any code unit
        s = s.slice(0, at) + String.fromCharCode(pick % 0x10000) + s.slice(at + 1);
        break;
      case 3: // splice in part of another seed
        s = s.slice(0, at) + seeds[pick % seeds.length]!.slice(pick % 11);
        break;
      default: // repeat the line's tail
        s = s + s.slice(at);
    }
  }
  return s;
}

const edit = fc.tuple(fc.nat({ max: 300 }), fc.integer({ min: 0, max: 4 }), fc.nat({ max: 0xffff }));
const line = fc.oneof(
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 60 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...nasty, "a", "b", "0", "1", ".", " "), maxLength: 20 }) },
  { weight: 2, arbitrary: fc.constantFrom(...seeds) },
  {
    weight: 5,
    arbitrary: fc
      .tuple(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 4 }))
      .map(([seed, edits]) => mutate(seed, edits)),
  },
);
const text = fc.tuple(fc.array(line, { minLength: PER_TEXT, maxLength: PER_TEXT }), fc.constantFrom("\n", "\r\n"));

const work = mkdtempSync(join(tmpdir(), "chime-dns-fuzz-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const lists: ParsedList[] = [];

describe("dns-blocklist parser fuzz", () => {
  test(`${LINES} random and mutated lines: no exception, nothing invalid comes out`, () => {
    let entries = 0;
    fc.assert(
      fc.property(text, ([lines, eol]) => {
        const p = parseList(lines.join(eol), `fuzz-${lists.length}`);
        lists.push(p);
        for (const n of [...p.names, ...p.exceptions]) expect(validName(n), JSON.stringify(n)).toBe(true);
        for (const c of p.networks) expect(validNetwork(c), c).toBe(true);
        expect(p.firstInvalid.length).toBeLessThanOrEqual(5);
        for (const i of p.firstInvalid) expect(i.reason.length).toBeGreaterThan(0);
        entries += p.names.length + p.networks.length + p.exceptions.length + p.invalid;
      }),
      { numRuns: LINES / PER_TEXT, seed: 20261202 },
    );
    // the mix is not all rejects: plenty of entries are taken
    const taken = lists.reduce((a, p) => a + p.names.length, 0);
    expect(taken).toBeGreaterThan(LINES / 10);
    expect(entries).toBeGreaterThan(LINES / 2);
    const d = decide(lists);
    for (const n of [...d.names, ...d.carveOuts]) expect(validName(n), n).toBe(true);
  });

  const checkconf = requires("unbound-checkconf");
  const configWith = (zones: string[]): string => {
    const file = join(work, `unbound-${zones.length}-${Math.random().toString(16).slice(2)}.conf`);
    const conf = [
      "server:",
      '  username: ""',
      '  chroot: ""',
      `  directory: "${work}"`,
      '  pidfile: ""',
      "  use-syslog: no",
      ...zones.map((z) => `  ${z}`),
      "",
    ];
    writeFileSync(file, conf.join("\n"));
    return file;
  };

  checkconf.it("unbound-checkconf refuses a broken local-zone line (so its acceptance below means something)", () => {
    const r = spawnSync("unbound-checkconf", [configWith(['local-zone: "a"b.example." always_nxdomain'])], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status).not.toBe(0);
  });

  checkconf.it("unbound-checkconf accepts every name the fuzzed lists produced, as always_nxdomain zones", () => {
    expect(lists.length).toBe(LINES / PER_TEXT);
    const d = decide(lists);
    expect(d.names.length).toBeGreaterThan(1000);
    const zones = [
      ...d.names.map((n) => `local-zone: "${n}." always_nxdomain`),
      ...d.carveOuts.map((n) => `local-zone: "${n}." transparent`),
    ];
    const r = spawnSync("unbound-checkconf", [configWith(zones)], { encoding: "utf8", timeout: 120_000 });
    expect(`${r.status} ${r.stdout}${r.stderr}`).toMatch(/^0 .*no errors/s);
  });
});
