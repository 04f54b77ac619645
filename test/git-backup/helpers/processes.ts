import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** Every live process whose command line or working directory mentions `needle`. */
export function processesMentioning(needle: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      let cwd = "";
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        // another user's process: cmdline is enough
      }
      if (cmd.includes(needle) || cwd.includes(needle)) found.push(`${pid} ${cmd}`);
    } catch {
      // exited while we looked
    }
  }
  return found;
}
