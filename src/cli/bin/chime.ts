#!/usr/bin/env node
import { runMain } from "../die.js";
import { runNext } from "../next.js";

// Minimal dispatcher until the daemon lands: only `chime next`.
void runMain("chime", async () => {
  const [cmd, ...rest] = process.argv.slice(2);
  if (cmd === "next") return runNext(rest, process.env, (l) => process.stdout.write(l + "\n"));
  process.stderr.write("usage: chime next SCHEDULE [--from STAMP] [--count N]\n");
  return 100;
});
