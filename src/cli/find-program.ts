import { accessSync, constants, statSync } from "node:fs";
import { resolve } from "node:path";

/**
 * execvp's search: a word with "/" is a path; otherwise each PATH entry in turn ("" is the
 * current directory; no PATH at all is /bin:/usr/bin). The first executable regular file wins;
 * else the error execve(2) would give (EACCES when one was found but could not be run).
 */
export function findProgram(word: string, path: string | undefined): { file: string } | { error: string } {
  const candidates = word.includes("/") ? [word] : (path ?? "/bin:/usr/bin").split(":").map((dir) => `${dir || "."}/${word}`);
  let error = "ENOENT";
  if (word === "") return { error };
  for (const c of candidates) {
    try {
      if (!statSync(c).isFile()) {
        error = "EACCES"; // what execve(2) says for a directory or other non-file
        continue;
      }
      accessSync(c, constants.X_OK);
      return { file: resolve(c) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EACCES") error = code;
    }
  }
  return { error };
}

/** Whether an exec of `program` would find it: an executable file on `path`. */
export function onPath(program: string, path: string | undefined): boolean {
  return "file" in findProgram(program, path);
}
