import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { afterAll, describe, expect, test } from "vitest";
import { installationRoot } from "../../src/cli/installation-root.js";
import { PROTOCOL } from "../../src/jobs/dns-blocklist/helper-jobs.js";
import { writeFileAtomic } from "../../src/jobs/atomic-file.js";
import { runBin } from "../cli/run-bin.js";
import { addAllowlist, type Decision, decideTable } from "../../src/jobs/dns-blocklist/decide.js";
import { type PackedKeys, sortKeys } from "../../src/jobs/dns-blocklist/key-sort.js";
import { NameTable } from "../../src/jobs/dns-blocklist/name-table.js";
import { ListParser } from "../../src/jobs/dns-blocklist/parse-list.js";
import { IncludeOnTwoThreads, includeChunks, includeData, includeText } from "../../src/jobs/dns-blocklist/unbound-include.js";
import { HelperThread } from "../../src/jobs/dns-blocklist/helper-thread.js";

// Big sorts run on two threads: the helper thread (dist/jobs/dns-blocklist-helper.cjs, built by
// `npm run build`, which `npm test` runs first) sorts the upper half of the buckets. What comes
// out must not depend on it, and a helper that never begins must cost a wait, not the sort.

const dir = mkdtempSync(join(tmpdir(), "chime-sort-helper-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `count` random keys over a small alphabet with shared prefixes, packed on shared memory */
function sharedKeys(count: number, seed: number): { keys: PackedKeys; strings: string[] } {
  const random = (): number => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return seed / 2 ** 32;
  };
  const tops = ["com\u0001", "net\u0001", "org\u0001", "com\u0001example\u0001", "uk\u0001co\u0001"];
  const strings = Array.from({ length: count }, () => {
    let key = tops[Math.floor(random() * tops.length)]!;
    const n = 1 + Math.floor(random() * 14);
    for (let i = 0; i < n; i++) key += "\u0001abcdefgh-0"[Math.floor(random() * 11)];
    return key;
  });
  const total = strings.reduce((n, k) => n + k.length, 0);
  const bytes = new Uint8Array(new SharedArrayBuffer(total));
  const start = new Uint32Array(count);
  const length = new Uint8Array(count);
  let at = 0;
  strings.forEach((k, i) => {
    start[i] = at;
    length[i] = k.length;
    for (let j = 0; j < k.length; j++) bytes[at++] = k.charCodeAt(j);
  });
  return { keys: { bytes, start, length }, strings };
}

/** sorts with `helper` and checks order and neighbours against JavaScript's own string order */
function expectSorted(keys: PackedKeys, strings: readonly string[], helper: HelperThread | undefined): void {
  // whatever the order held before is not read: the sort fills it
  const order = new Uint32Array(new SharedArrayBuffer(strings.length * 4)).fill(7);
  const starts = keys.start.slice();
  const { lcp, next, length } = sortKeys(keys, order, helper);
  const reference = [...strings].sort();
  const got = Array.from(order, (i) => strings[i]!);
  expect(got).toEqual(reference);
  // the keys' own starts are sorted with them (here copies the helper could see, copied back)
  let misplaced = 0;
  for (let i = 0; i < order.length; i++) if (keys.start[i] !== starts[order[i]!]) misplaced++;
  expect(misplaced, "positions whose start is not their key's").toBe(0);
  let wrong = 0;
  for (let i = 0; i < got.length; i++) {
    const before = i > 0 ? got[i - 1]! : "";
    let d = 0;
    while (d < before.length && d < got[i]!.length && before[d] === got[i]![d]) d++;
    if (lcp[i] !== d || next[i] !== (d < got[i]!.length ? got[i]!.charCodeAt(d) : 0) || length[i] !== got[i]!.length) wrong++;
  }
  expect(wrong, "positions whose neighbours were reported wrong").toBe(0);
}

describe("the key sort on two threads", () => {
  test("300 000 keys sorted with the helper thread come out as JavaScript sorts them, neighbours included", async () => {
    const helper = await HelperThread.start();
    expect(helper, "dist/jobs/dns-blocklist-helper.cjs is built by npm run build").toBeDefined();
    try {
      const { keys, strings } = sharedKeys(300_000, 5);
      expectSorted(keys, strings, helper);
      // and again with the same thread, as a second list of a run would be
      const second = sharedKeys(280_000, 9);
      expectSorted(second.keys, second.strings, helper);
      // three jobs a sort: the upper half's places, classifying the upper half of the cut, then
      // sorting the upper buckets
      expect(helper?.jobsDone, "jobs the helper thread did").toBe(6);
    } finally {
      await helper?.close();
    }
  });

  test("a helper thread that never begins: after its wait, this thread sorts the buckets itself", async () => {
    // a program that ends at once without ever taking a job
    const program = join(dir, "gone.cjs");
    writeFileSync(program, "process.exitCode = 0;\n");
    const helper = await HelperThread.start(program);
    expect(helper).toBeDefined();
    try {
      const { keys, strings } = sharedKeys(270_000, 13);
      expectSorted(keys, strings, helper);
      expect(helper?.jobsDone).toBe(0);
    } finally {
      await helper?.close();
    }
  });

  test("a program of another build's protocol ends at once, taking no job (an upgrade not yet restarted)", async () => {
    const program = join(installationRoot(), "dist", "jobs", "dns-blocklist-helper.cjs");
    const worker = new Worker(program, { workerData: { protocol: PROTOCOL + 1 }, stdout: true, stderr: true });
    const [code] = (await once(worker, "exit")) as [number];
    expect(code).toBe(0);
  });

  test("no helper where its program is missing (a checkout that was not built)", async () => {
    expect(await HelperThread.start(join(dir, "missing.cjs"))).toBeUndefined();
  });
});

describe("a decision made while the helper thread sorts", () => {
  test("the pass over the lower keys, made while the helper sorts the upper, decides as one thread does", async () => {
    // names nested under blocked parents, repeats, allowlisted subtrees and exact names, and
    // exceptions: every kind of frame the pass keeps, spread over both parts of the sort
    const count = 300_000;
    const lines: string[] = [];
    for (let i = 0; i < count; i++) {
      // four lines a name: it, a name below it, one below that, and an Adblock rule below it
      const base = `n${((i >> 2) * 7919) % 40_000}.${["com", "net", "example"][(i >> 2) % 3]}`;
      lines.push(
        i % 4 === 0
          ? `0.0.0.0 ${base}`
          : i % 4 === 1
            ? `0.0.0.0 a${i % 9}.${base}`
            : i % 4 === 2
              ? `0.0.0.0 b.a${i % 5}.${base}`
              : `||x${i % 11}.${base}^`,
      );
      if (i % 997 === 0) lines.push(`@@||a1.${base}^`);
    }
    const text = Buffer.from(lines.join("\n"));
    const decide = (helper: HelperThread | undefined): Decision => {
      const table = new NameTable(text.length, helper !== undefined);
      const parser = new ListParser("nested", table);
      parser.push(text);
      parser.end();
      addAllowlist(table, { exact: ["n7.com", "a2.n8.net"], subtrees: ["n9.example", "a3.n10.com"] });
      return decideTable(table, [], helper);
    };
    const alone = decide(undefined);
    expect(alone.redundant, "names under blocked parents").toBeGreaterThan(1000);
    expect(alone.carved.length + alone.allowed, "carve-outs and allowed names").toBeGreaterThan(10);
    const helper = await HelperThread.start();
    try {
      const two = decide(helper);
      expect(helper!.jobsDone, "the helper sorted its part").toBeGreaterThan(0);
      expect(two.names).toEqual(alone.names);
      expect(two.carveOuts).toEqual(alone.carveOuts);
      expect([two.duplicates, two.redundant, two.allowed]).toEqual([alone.duplicates, alone.redundant, alone.allowed]);
    } finally {
      await helper?.close();
    }
  });
});

describe("a list parsed on two threads", () => {
  const seeded = (seed: number) => (): number => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return seed / 2 ** 32;
  };

  /**
   * A list of every kind of line, in chunks of `chunk` bytes: in the middle of each chunk (where
   * the helper's half begins) an RPZ record is open over lines that look like names, which the
   * zone file's rules make part of the record, not names to block.
   */
  function mixedList(chunks: number, chunk: number, seed: number): Buffer {
    const random = seeded(seed);
    const kinds = [
      (n: number) => `h${n}.example.com`,
      (n: number) => `0.0.0.0 ads${n}.Tracker.NET`,
      (n: number) => `127.0.0.1 m${n}.example.org.`,
      (n: number) => `x${n}.example.co.uk\r`,
      () => "# a comment",
      () => "",
      (n: number) => `bad_-${n}.!example.com`,
      (n: number) => `-lead${n}.example.com`,
      (n: number) => `b\u00fccher${n}.example.de`,
      (n: number) => `||adblock${n}.example.net^`,
      (n: number) => `192.0.2.${n % 250}`,
      () => "0.0.0.0 localhost.localdomain",
      (n: number) => `0.0.0.0 tab${n}.example.com # trailing comment`,
    ];
    const lines: string[] = [];
    let bytes = 0;
    const add = (l: string): void => {
      lines.push(l);
      bytes += Buffer.byteLength(l) + 1;
    };
    let n = 0;
    for (let c = 0; c < chunks; c++) {
      const base = c * chunk;
      while (bytes < base + chunk * 0.42) add(kinds[Math.floor(random() * kinds.length)]!(n++));
      add("@ 3600 IN SOA ns.example. hostmaster.example. (");
      while (bytes < base + chunk * 0.58) add(`inside${n++}.example.com`);
      add("  1 3600 600 86400 300 )");
      while (bytes < base + chunk) add(kinds[Math.floor(random() * kinds.length)]!(n++));
    }
    return Buffer.from(`${lines.join("\n")}\n`, "utf8");
  }

  /** parses `text` in chunks of `chunk` bytes (on shared memory or not), with `helper` or alone */
  function parseInChunks(text: Buffer, chunk: number, shared: boolean, helper: HelperThread | undefined) {
    const table = new NameTable(text.length, helper !== undefined);
    const parser = new ListParser("mixed", table, helper);
    for (let at = 0; at < text.length; at += chunk) {
      const piece = new Uint8Array(shared ? new SharedArrayBuffer(chunk) : new ArrayBuffer(chunk)).subarray(
        0,
        Math.min(chunk, text.length - at),
      );
      piece.set(text.subarray(at, at + chunk));
      parser.push(piece);
    }
    const p = parser.end();
    return {
      names: p.names,
      exceptions: p.exceptions,
      networks: p.networks,
      invalid: p.invalid,
      firstInvalid: p.firstInvalid,
      nameCount: p.nameCount,
    };
  }

  test.each([
    ["read where they are (shared memory)", true],
    ["copied for the helper", false],
  ])("gives what one thread gives: names in order, line numbers, counts; pieces %s", async (_, shared) => {
    const chunk = 256 * 1024;
    const text = mixedList(12, chunk, shared ? 3 : 4);
    const alone = parseInChunks(text, chunk, shared, undefined);
    // the RPZ records' lines are not names, and every kind of line is there
    expect(alone.names.some((x) => x.startsWith("inside"))).toBe(false);
    expect(alone.names.length).toBeGreaterThan(10_000);
    expect(alone.invalid).toBeGreaterThan(1000);
    expect(alone.exceptions.length + alone.networks.length).toBeGreaterThan(0);
    const helper = await HelperThread.start();
    expect(helper, "dist/jobs/dns-blocklist-helper.cjs is built by npm run build").toBeDefined();
    try {
      // The helper takes a half only if it has begun by the time this thread has read its own:
      // on a loaded machine it may still be loading for a whole parse. So the list is parsed
      // again (a bounded number of times) until it has taken part, each time with the same result.
      for (let attempt = 0; attempt < 50 && helper!.jobsDone === 0; attempt++) {
        const two = parseInChunks(text, chunk, shared, helper);
        expect(two.names.length).toBe(alone.names.length);
        expect(two).toEqual(alone);
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(helper!.jobsDone, "halves the helper read").toBeGreaterThan(0);
    } finally {
      await helper?.close();
    }
  });

  test("a half taken back before the helper began is never read later as the next job's", async () => {
    // The program holds its first job (a half of a list) until a second (a sort's part) has
    // been posted: the first was taken back by then, and the signal is set for the second.
    const program = join(dir, "late.cjs");
    const real = join(installationRoot(), "dist", "jobs", "dns-blocklist-helper.cjs");
    writeFileSync(
      program,
      `const { parentPort } = require("node:worker_threads");
const held = [];
function hold(job) {
  held.push(job);
  if (held.length < 2) return;
  parentPort.off("message", hold);
  require(${JSON.stringify(real)});
  for (const j of held) parentPort.emit("message", j);
}
parentPort.on("message", hold);
`,
    );
    const helper = await HelperThread.start(program);
    try {
      const text = Buffer.from(Array.from({ length: 20_000 }, (_, i) => `late${i}.example.com\n`).join(""));
      const piece = new Uint8Array(new SharedArrayBuffer(text.length));
      piece.set(text);
      expect(helper!.handLines(piece, 0, piece.length)).toBe(true);
      expect(helper!.finishLines(), "not begun: this thread reads the half").toBeUndefined();
      const { keys, strings } = sharedKeys(270_000, 21);
      expectSorted(keys, strings, helper);
      // the sort's three parts, and not the half of the list
      expect(helper!.jobsDone).toBe(3);
    } finally {
      await helper?.close();
    }
  });
});

describe("pages touched ahead by the helper thread", () => {
  test("a touch changes no byte, and the helper reads its parts meanwhile", async () => {
    const helper = await HelperThread.start();
    expect(helper, "dist/jobs/dns-blocklist-helper.cjs is built by npm run build").toBeDefined();
    try {
      // A table on shared memory with nothing in use, whose bytes and entries all hold a
      // pattern: everything past what is in use is "ahead", as the parse's next piece is.
      const table = new NameTable(4 << 20, true);
      for (const a of [table.bytes, table.length, table.kind]) a.fill(0x5a);
      table.start.fill(0x5a5a5a5a);
      const text = Buffer.from(Array.from({ length: 20_000 }, (_, i) => `ahead${i}.example.com\n`).join(""));
      const piece = new Uint8Array(new SharedArrayBuffer(text.length));
      piece.set(text);
      // a sort's job first: its caller waits for the thread to begin (it may still be loading)
      const n = 1000;
      const order = new Uint32Array(new SharedArrayBuffer(n * 4));
      const at = new Uint32Array(new SharedArrayBuffer(n * 4));
      const len = new Uint8Array(new SharedArrayBuffer(n));
      helper!.hand({ kind: "places", arrays: { order, at, len }, keys: { start: table.start, length: table.length }, from: 0, to: n });
      expect(helper!.finish(), "the sort's job, done by the helper").toBe(true);
      // then parts of a list, each with a touch ahead of the table (a busy machine may keep the
      // thread from beginning a part in time: it is tried again, a bounded number of times)
      for (let attempt = 0; attempt < 50 && helper!.jobsDone === 1; attempt++) {
        expect(helper!.handLines(piece, 0, piece.length)).toBe(true);
        helper!.touchAhead(table, 0, table.bytes.length);
        helper!.finishLines();
      }
      expect(helper!.jobsDone, "parts the helper read").toBeGreaterThan(1);
      // jobs are taken in turn, and a lines job does not stop a touch: once it is answered,
      // the last touch has been done
      const empty = join(dir, "empty.conf");
      writeFileSync(empty, "");
      await helper!.writeLines(table, [], empty, 0);
      const changed = (a: ArrayLike<number>, v: number): number => Array.prototype.filter.call(a, (x: number) => x !== v).length;
      expect(changed(table.bytes, 0x5a), "bytes a touch changed").toBe(0);
      expect(changed(table.length, 0x5a) + changed(table.kind, 0x5a), "entries a touch changed").toBe(0);
      expect(changed(table.start, 0x5a5a5a5a), "starts a touch changed").toBe(0);
    } finally {
      await helper?.close();
    }
  });
});

describe("the include written from two threads", () => {
  /** a decision of `count` names (some under others, some allowed below a blocked one) on a shared table */
  function bigDecision(count: number): Decision {
    const table = new NameTable(count * 24, true);
    const lines = Array.from(
      { length: count },
      (_, i) => `0.0.0.0 ${i % 7 === 0 ? "www." : ""}n${(i * 7919) % count}.${["com", "net", "example"][i % 3]}`,
    );
    lines.push("0.0.0.0 parent-a.com", "0.0.0.0 parent-b.net");
    const parser = new ListParser("big", table);
    parser.push(new TextEncoder().encode(lines.join("\n")));
    parser.end();
    // allowed names below blocked ones: carve-outs, written by the helper after its names
    addAllowlist(table, { exact: ["www.parent-a.com", "mail.parent-b.net"], subtrees: [] });
    return decideTable(table, []);
  }

  test.each([
    ["always_nxdomain", { action: "always_nxdomain" as const }],
    ["redirect (a record line after each zone)", { action: "redirect" as const, sink: "192.0.2.1" }],
  ])("byte for byte the file one thread writes: %s", async (_, style) => {
    const d = bigDecision(240_000);
    expect(d.blocked.length).toBeGreaterThan(100_000);
    expect(d.carved.length).toBeGreaterThan(0);
    const helper = await HelperThread.start();
    try {
      const two = join(dir, "two.conf");
      const data = includeData(d, style, helper);
      expect(data).toBeInstanceOf(IncludeOnTwoThreads);
      await writeFileAtomic(two, data, { fsync: false });
      expect(helper?.jobsDone, "the helper wrote its half").toBe(1);
      expect((data as IncludeOnTwoThreads).rewritten, "written once, from two threads").toBe(false);
      const one = join(dir, "one.conf");
      await writeFileAtomic(one, includeChunks(d, style), { fsync: false });
      expect(readFileSync(two).equals(readFileSync(one))).toBe(true);
    } finally {
      await helper?.close();
    }
  });

  test("a helper that has ended: the include is written whole by this thread", async () => {
    const d = bigDecision(220_000);
    const program = join(dir, "gone-too.cjs");
    writeFileSync(program, "process.exitCode = 0;\n");
    const helper = await HelperThread.start(program);
    try {
      const path = join(dir, "fallback.conf");
      const data = includeData(d, { action: "refuse" }, helper);
      await writeFileAtomic(path, data, { fsync: false });
      expect((data as IncludeOnTwoThreads).rewritten).toBe(true);
      expect(readFileSync(path, "latin1")).toBe(includeText(d, { action: "refuse" }));
      expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    } finally {
      await helper?.close();
    }
  });
});

describe("a run of the built job with a big list", () => {
  test("its helper thread (sort and include) gives the include one thread gives, byte for byte", () => {
    // ~6.5 MB of hosts lines: past the size that gets a helper thread, over the 262 144 keys whose
    // sort it shares, and over the 100 000 names kept whose include it writes half of
    const lines = Array.from(
      { length: 280_000 },
      (_, i) => `0.0.0.0 ${i % 5 === 0 ? "ads." : ""}h${(i * 7919) % 280_000}x.${["com", "net", "org", "example"][i % 4]}`,
    );
    const list = join(dir, "big-hosts.txt");
    writeFileSync(list, `${lines.join("\n")}\n`);
    const include = join(dir, "blocklist.conf");
    writeFileSync(include, "");
    const conf = join(dir, "unbound.conf");
    writeFileSync(conf, `server:\n  include: "${include}"\n`);
    // the unbound programs stand in as true(1): what is checked here is the file
    const r = runBin("chime", [
      "--state-dir",
      join(dir, "cli-state"),
      "dns-blocklist",
      "--include",
      include,
      "--unbound-conf",
      conf,
      "--unbound-checkconf",
      "/bin/true",
      "--unbound-control",
      "/bin/true",
      list,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/blocklist decided .*threads=2/);
    const table = new NameTable();
    const parser = new ListParser("reference", table);
    parser.push(readFileSync(list));
    parser.end();
    const d = decideTable(table, []);
    expect(d.blocked.length).toBeGreaterThan(100_000);
    expect(readFileSync(include, "latin1")).toBe(includeText(d, { action: "always_nxdomain" }));
  });
});
