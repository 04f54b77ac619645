import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

export const BIN = resolve("dist/bin");

export interface Ran {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs dist/bin/NAME.cjs directly (shebang and exec bit included) and waits for it. */
export function runBin(name: string, args: readonly string[], env: Record<string, string | undefined> = {}, input?: string): Ran {
  const r = spawnSync(`${BIN}/${name}.cjs`, args, {
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 90_000, // a deadline for a hung program, wide enough for a loaded machine
    ...(input === undefined ? {} : { input }),
  });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

const started = new Set<number>();

/**
 * Kills, by process group, everything startBin started that is still there: a failed test must
 * not leave a job loop running. (Each started program leads its own group, so this reaches the
 * final program too, and nothing else.)
 */
export function killStarted(): void {
  for (const pid of started) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  started.clear();
}

/** Starts dist/bin/NAME.cjs and collects its output, for tests that signal it meanwhile. */
export function startBin(name: string, args: readonly string[], env: Record<string, string | undefined> = {}) {
  const child: ChildProcess = spawn(`${BIN}/${name}.cjs`, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  if (child.pid !== undefined) started.add(child.pid);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Ran>((res) => child.once("close", (status, signal) => res({ status, signal, stdout, stderr })));
  return {
    child,
    done,
    stdout: () => stdout,
    /** Waits until stdout contains `text` (bounded). */
    async waitFor(text: string, ms = 10_000): Promise<void> {
      const end = Date.now() + ms;
      while (!stdout.includes(text)) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${JSON.stringify(text)}; stdout=${stdout} stderr=${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

/**
 * Waits until process `pid` catches signal `sig` (its SigCgt mask in /proc), i.e. until Node
 * has installed the handler: sending before that would hit the default action instead.
 */
export async function waitCatches(pid: number, sig: number, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const mask = /SigCgt:\s*([0-9a-f]+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
      if (mask && (BigInt("0x" + mask) >> BigInt(sig - 1)) & 1n) return;
    } catch {
      // not started yet
    }
    if (Date.now() > end) throw new Error(`process ${pid} never caught signal ${sig}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
