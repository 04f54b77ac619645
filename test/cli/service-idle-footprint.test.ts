// Issue 10 §8: an idle service loads only what it uses. A preloaded probe records, when the
// service exits, which of the costly parts it touched: Intl date formatting (ICU zone and locale
// data, ~10 MB resident), pino's worker-thread transports (node:worker_threads) and default
// destination (sonic-boom, node:assert), and node:crypto (only a --splay needs it). The RSS
// these cost is measured by test/bench/memory.bench.ts; this test pins down the cause.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const chime = resolve("dist/bin/chime.cjs");
const tmp = mkdtempSync(join(tmpdir(), "chime-footprint-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const PROBE = `
const { writeFileSync } = require("node:fs");
let intl = 0;
const DTF = Intl.DateTimeFormat;
Intl.DateTimeFormat = new Proxy(DTF, {
  construct(t, a) { intl++; return Reflect.construct(t, a); },
  apply(t, self, a) { intl++; return Reflect.apply(t, self, a); },
});
process.on("exit", () => {
  const builtins = process.moduleLoadList.filter((m) => m.startsWith("NativeModule ")).map((m) => m.slice("NativeModule ".length));
  writeFileSync(process.env.PROBE_OUT, JSON.stringify({ intl, builtins }));
});
`;

interface Footprint {
  intl: number;
  builtins: string[];
}

/** Runs a service until it has logged its plan(s), stops it with TERM, returns what it loaded. */
async function footprint(name: string, args: string[], env: Record<string, string> = {}): Promise<Footprint> {
  const probe = join(tmp, "probe.cjs");
  writeFileSync(probe, PROBE);
  const out = join(tmp, `${name}.json`);
  const state = join(tmp, `${name}-state`);
  const childEnv: Record<string, string | undefined> = { ...process.env, PROBE_OUT: out, ...env };
  if (!("TZ" in env)) delete childEnv["TZ"];
  const child = spawn(process.execPath, ["-r", probe, chime, "--allow-root", "--state-dir", state, ...args], {
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout.on("data", (c: Buffer) => (text += c.toString()));
  child.stderr.on("data", (c: Buffer) => (text += c.toString()));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const deadline = Date.now() + 30_000;
  while (!/ next run: /.test(text) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(text).toMatch(/ next run: /);
  child.kill("SIGTERM");
  expect(await exited).toBe(0);
  return JSON.parse(readFileSync(out, "utf8")) as Footprint;
}

describe("an idle exec service loads only what it uses", () => {
  it("with the system zone (no TZ): no Intl date formatting, no worker_threads, assert or crypto", async () => {
    const f = await footprint("system-zone", ["--when", ",M=0", "exec", "--", "true"]);
    expect(f.intl).toBe(0);
    expect(f.builtins).not.toContain("worker_threads");
    expect(f.builtins).not.toContain("assert");
    expect(f.builtins).not.toContain("crypto");
  });

  it("with TZ=Europe/Berlin (a zone the host's tzdata lists): no Intl date formatting", async () => {
    const f = await footprint("berlin", ["--when", ",M=0", "exec", "--", "true"], { TZ: "Europe/Berlin" });
    expect(f.intl).toBe(0);
  });

  it("the probe sees what it looks for: a --splay loads crypto, TZ=Eire (an alias Date misreads) takes Intl", async () => {
    const f = await footprint("splay-eire", ["--splay", "5m", "--when", ",M=0", "exec", "--", "true"], { TZ: "Eire" });
    expect(f.builtins).toContain("crypto");
    expect(f.intl).toBeGreaterThan(0);
  });
});
