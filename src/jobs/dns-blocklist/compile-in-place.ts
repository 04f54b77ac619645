import { availableParallelism } from "node:os";
import { setFlagsFromString } from "node:v8";

/**
 * V8 optimises a hot function (or a hot loop: "OSR") on a background thread while the code goes
 * on unoptimised. A dns-blocklist run with a helper thread (helper-thread.ts) on a machine of two
 * cores keeps both cores busy, so such a compile waits for a core: seen here, 25–36 ms from a
 * loop's start to its optimised code, for a few ms of compiling, and each phase of the run
 * (parse, fill, cut, buckets, pass, include) starts with new hot loops on both threads. While a
 * helper lives on such a machine, V8 compiles on the thread that needs the code instead: this
 * thread's loops (concurrent-osr is read at each compile), and everything on the helper (an
 * isolate made while concurrent-recompilation is off has no background compiler, for its
 * life). Measured on a million names: 639 → 591 ms (means of six interleaved runs).
 *
 * The flags are V8's, process-wide: they are set for the first helper and set back when the
 * last one ends.
 */

// a machine with more cores has one for the background compiles
const UP_TO_CORES = 2;
let holders = 0;

/**
 * Compiles in place from now on, on a machine of UP_TO_CORES or fewer: the function to call
 * when that may end (once); undefined where nothing was changed.
 */
export function compileInPlace(): (() => void) | undefined {
  if (availableParallelism() > UP_TO_CORES) return undefined;
  if (holders++ === 0) setFlagsFromString("--no-concurrent-recompilation --no-concurrent-osr");
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    if (--holders === 0) setFlagsFromString("--concurrent-recompilation --concurrent-osr");
  };
}
