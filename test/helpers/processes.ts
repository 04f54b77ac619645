import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * True while pid is a live process; a zombie waiting for its parent counts as dead. Read from
 * /proc/PID/stat (state is the field after the parenthesised command name), not from ps(1):
 * without procps a ps failure would read as "dead" and every "no process left" check would pass.
 */
export function alive(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "" && state !== "Z" && state !== "X";
}

export async function waitDead(pid: number, ms = 30_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return !alive(pid);
}

export async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, stepMs = 25): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return cond();
}

export interface PsRow {
  pid: number;
  ppid: number;
  pgid: number;
}

/** Every live (not zombie) process whose whole command line is `args`, e.g. "sleep 12". */
export function processesRunning(args: string): PsRow[] {
  const out = execFileSync("ps", ["-A", "-o", "pid=,ppid=,pgid=,stat=,args="], { encoding: "utf8" });
  return out
    .split("\n")
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && m[5] === args && !m[4]!.startsWith("Z"))
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), pgid: Number(m[3]) }));
}
