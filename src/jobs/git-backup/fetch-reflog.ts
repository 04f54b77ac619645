import { closeSync, readSync } from "node:fs";
import { join } from "node:path";
import { openRegularSync } from "../regular-file.js";

// A reflog line is two object ids, an identity, a time and the message: well under this.
const TAIL_BYTES = 4096;
const ENTRY = /^([0-9a-f]{40}(?:[0-9a-f]{24})?) ([0-9a-f]{40}(?:[0-9a-f]{24})?) [^\t\n]*\t([^\n]*)$/;

/**
 * Whether the fetch that just ran recorded moving branch `ref` from `older` to `newer` as a
 * fast-forward, in the ref's own reflog (a mirror logs every ref update:
 * core.logallrefupdates=always). git writes "<action>: fast-forward" only after it found
 * `older` to be an ancestor of `newer` (fetch.c, update_local_ref), which is the question
 * `git merge-base --is-ancestor` answers, here without a process per moved branch. The message
 * is git's own words, not the server's. Anything else is not a yes, and the caller asks git:
 * no log, a last entry for other values, "forced-update", a ref store without logs/ files.
 */
export function reflogSaysFastForward(mirror: string, ref: string, older: string, newer: string): boolean {
  // a branch's log is logs/<ref>; a name git would refuse never reaches a path
  if (!ref.startsWith("refs/heads/") || ref.split("/").some((part) => part === "" || part === "." || part === "..")) return false;
  let fd: number;
  let size: number;
  try {
    // a log never expires in a mirror (gc.reflogexpire=never): any size, only its tail is read
    ({ fd, size } = openRegularSync(join(mirror, "logs", ref), { maxBytes: Number.POSITIVE_INFINITY }));
  } catch {
    return false;
  }
  try {
    const length = Math.min(size, TAIL_BYTES);
    const tail = Buffer.alloc(length);
    // a regular file reads short only at its end
    const got = readSync(fd, tail, 0, length, size - length);
    const lines = tail.subarray(0, got).toString("latin1").split("\n");
    const last = lines.at(-1) === "" ? lines.at(-2) : undefined; // a log ends with a newline
    const m = last === undefined ? null : ENTRY.exec(last);
    return m !== null && m[1] === older && m[2] === newer && m[3]!.endsWith(": fast-forward");
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}
