import { redactText } from "../../log/redact.js";

/**
 * The first meaningful line of git's stderr, redacted and bounded, for a one-line log record.
 * Control characters stay: the log and `chime status` escape them where they are shown.
 */
export function firstErrorLine(stderr: string, secrets: readonly string[] = []): string {
  const lines = stderr.split(/\r?\n|\r/).map((l) => l.trim());
  const line =
    lines.find((l) => /^(fatal|error):/i.test(l)) ?? lines.find((l) => l.length > 0) ?? "(no message)";
  const clean = redactText(line, secrets);
  return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean;
}
