import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** The built product, as a run script would start it. */
export const CHIME = resolve("dist/bin/chime.cjs");

export const isRoot = process.getuid?.() === 0;

/** env for a child chime: no CHIME_* settings leak in from the test runner's environment */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("CHIME_")) env[k] = v;
  return { ...env, TZ: "UTC", ...extra };
}

export function runChime(args: string[], opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}) {
  const r = spawnSync(process.execPath, [CHIME, ...args], {
    env: cleanEnv(opts.env),
    cwd: opts.cwd ?? tmpdir(),
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 90_000, // a deadline for a hung chime, wide enough for a loaded machine
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** A long-running chime whose stdout lines are collected as they come. */
export class ChimeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  text = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}) {
    this.child = spawn(process.execPath, [CHIME, ...args], { env: cleanEnv(opts.env), cwd: opts.cwd ?? tmpdir() });
    this.child.stdout.on("data", (c: Buffer) => (this.text += c.toString()));
    this.child.stderr.on("data", (c: Buffer) => (this.text += c.toString()));
    this.exited = new Promise((r) => this.child.on("exit", (code, signal) => r({ code, signal })));
  }

  get lines(): string[] {
    return this.text.split("\n").filter(Boolean);
  }

  /** waits until a line matches, or fails after ms */
  async waitFor(re: RegExp, ms = 10_000): Promise<string> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const hit = this.lines.find((l) => re.test(l));
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no line matching ${re} within ${ms} ms; output:\n${this.text}`);
  }

  count(re: RegExp): number {
    return this.lines.filter((l) => re.test(l)).length;
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  /** stops it by pid if still running (test cleanup) */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGKILL");
      await this.exited;
    }
  }
}

export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
