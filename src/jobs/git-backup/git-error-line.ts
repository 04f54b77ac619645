import { redactText } from "../../log/redact.js";

/**
 * The first meaningful line of git's stderr, redacted and bounded, for a one-line log record.
 * Control characters stay: the log and `chime status` escape them where they are shown.
 */
export function firstErrorLine(stderr: string, secrets: readonly string[] = []): string {
  const lines = stderr.split(/\r?\n|\r/).map((l) => l.trim());
  const line = lines.find((l) => /^(fatal|error):/i.test(l)) ?? lines.find((l) => l.length > 0) ?? "(no message)";
  const clean = redactText(line, secrets);
  return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean;
}

// What git prints on the way to a failure that says nothing about it: progress, verbose chatter.
const CHATTER =
  /^(Looking up |Connecting to |From |POST |Fetching |Receiving |Resolving |Counting |Compressing |Enumerating |Total |Unpacking |[ =*+!-] |\s*$)/;

/**
 * The line of git's stderr that says what went wrong, unredacted (callers redact): git's own
 * first `fatal:` line, else its first `error:` line, wherever in a line git put it (over
 * git:// the fatal follows "Connecting to HOST (port N) ... " on the same line), with the
 * continuation git prints after a line ending in ":" (the errno: "Connection refused").
 * `remote:` lines are the server's text: they never outrank git's own words.
 */
export function gitErrorLine(stderr: string): string {
  const lines = stderr.split(/\r?\n|\r/).filter((l) => !/^remote:/.test(l));
  for (const word of ["fatal:", "error:"]) {
    for (let i = 0; i < lines.length; i++) {
      const at = lines[i]!.search(new RegExp(`(^|\\s)${word}`));
      if (at < 0) continue;
      let line = lines[i]!.slice(at).trim();
      for (let j = i + 1; line.endsWith(":") && j < lines.length && j <= i + 2; j++) {
        const next = lines[j]!.trim();
        if (next === "" || /^(fatal|error):/.test(next)) break;
        line = `${line} ${next}`;
      }
      return line;
    }
  }
  const meaningful = lines.map((l) => l.trim()).filter((l) => !CHATTER.test(l));
  return (
    meaningful.at(-1) ??
    lines
      .map((l) => l.trim())
      .filter(Boolean)
      .at(-1) ??
    "(no message)"
  );
}

/** gitErrorLine, redacted and bounded: what a log line, a summary or an error message shows of git's failure. */
export function gitFailureLine(stderr: string, secrets: readonly string[] = []): string {
  return firstErrorLine(gitErrorLine(stderr), secrets);
}
